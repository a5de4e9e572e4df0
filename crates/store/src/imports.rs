//! Imported requests: many captures stored in one transaction (all or none).

use hookbench_domain::{CaptureSummary, NewCapture};

use crate::{Store, StoreError};

impl Store {
    /// Stores captures together; returns their list entries once committed.
    pub async fn insert_captures(&self, captures: Vec<NewCapture>) -> Result<Vec<CaptureSummary>, StoreError> {
        self.writer
            .write(move |tx| {
                captures
                    .iter()
                    .map(|c| crate::captures::insert(tx, c).map(|stored| c.summary(stored)))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await
    }
}
