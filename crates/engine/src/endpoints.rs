//! Endpoint management: validated writes, then the in-memory routing table is refreshed and
//! subscribers are told.

use std::sync::Arc;

use hookbench_domain::endpoint::{Endpoint, EndpointId, EndpointInput};

use crate::{Engine, EngineError, LiveEvent};

impl Engine {
    /// The routing table as of now (cheap: an `Arc` clone).
    pub(crate) fn endpoints_snapshot(&self) -> Arc<Vec<Endpoint>> {
        self.endpoints.read().map(|e| e.clone()).unwrap_or_default()
    }

    pub async fn list_endpoints(&self) -> Result<Vec<Endpoint>, EngineError> {
        Ok(self.store.list_endpoints().await?)
    }

    pub async fn get_endpoint(&self, id: EndpointId) -> Result<Option<Endpoint>, EngineError> {
        Ok(self.store.get_endpoint(id).await?)
    }

    pub async fn create_endpoint(&self, input: EndpointInput) -> Result<Endpoint, EngineError> {
        let input = input.validated().map_err(EngineError::Invalid)?;
        let created = self.store.create_endpoint(input, self.now_ms()).await?;
        self.endpoints_changed().await?;
        Ok(created)
    }

    pub async fn update_endpoint(&self, id: EndpointId, input: EndpointInput) -> Result<Option<Endpoint>, EngineError> {
        let input = input.validated().map_err(EngineError::Invalid)?;
        let updated = self.store.update_endpoint(id, input, self.now_ms()).await?;
        if updated.is_some() {
            self.endpoints_changed().await?;
        }
        Ok(updated)
    }

    pub async fn delete_endpoint(&self, id: EndpointId) -> Result<bool, EngineError> {
        let deleted = self.store.delete_endpoint(id).await?;
        if deleted {
            self.endpoints_changed().await?;
        }
        Ok(deleted)
    }

    async fn endpoints_changed(&self) -> Result<(), EngineError> {
        let fresh = Arc::new(self.store.list_endpoints().await?);
        if let Ok(mut slot) = self.endpoints.write() {
            *slot = fresh;
        }
        self.bus.publish(LiveEvent::EndpointsChanged {});
        Ok(())
    }
}
