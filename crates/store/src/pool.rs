//! Read connections, opened on demand and reused, used on tokio's blocking threads.

use std::path::PathBuf;
use std::sync::Mutex;

use rusqlite::Connection;

use crate::{StoreError, open_connection};

/// Enough for the API's concurrent reads; extra connections are closed instead of kept.
const MAX_IDLE: usize = 8;

pub struct ReadPool {
    path: PathBuf,
    idle: std::sync::Arc<Mutex<Vec<Connection>>>,
}

impl ReadPool {
    pub fn new(path: PathBuf) -> Self {
        Self { path, idle: Default::default() }
    }

    /// Closes the idle connections (reads in flight keep theirs until they finish).
    pub fn close_idle(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }

    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let path = self.path.clone();
        let idle = self.idle.clone();
        tokio::task::spawn_blocking(move || {
            let conn = match idle.lock().map(|mut v| v.pop()) {
                Ok(Some(conn)) => conn,
                _ => open_connection(&path, true)?,
            };
            let result = f(&conn);
            if let Ok(mut v) = idle.lock()
                && v.len() < MAX_IDLE
            {
                v.push(conn);
            }
            result
        })
        .await
        .map_err(|_| StoreError::WorkerGone)?
    }
}
