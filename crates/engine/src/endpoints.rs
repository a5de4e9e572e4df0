//! Endpoint management: validated writes, then the in-memory routing table is refreshed and
//! subscribers are told.

use std::sync::Arc;

use hookbench_domain::endpoint::{Endpoint, EndpointId, EndpointInput};

use crate::{Engine, EngineError, LiveEvent, Routing};

impl Engine {
    /// The routing table as of now (cheap: an `Arc` clone).
    pub(crate) fn routing_snapshot(&self) -> Arc<Routing> {
        self.routing.read().map(|r| r.clone()).unwrap_or_default()
    }

    pub async fn list_endpoints(&self) -> Result<Vec<Endpoint>, EngineError> {
        Ok(self.store.list_endpoints().await?)
    }

    pub async fn get_endpoint(&self, id: EndpointId) -> Result<Option<Endpoint>, EngineError> {
        Ok(self.store.get_endpoint(id).await?)
    }

    pub async fn create_endpoint(&self, input: EndpointInput) -> Result<Endpoint, EngineError> {
        let input = input.validated().map_err(EngineError::Invalid)?;
        if input.path_prefix.is_empty() {
            return Err(EngineError::Invalid(vec![
                "path_prefix: give the endpoint a path prefix such as /stripe (the default endpoint already takes every other path)".into(),
            ]));
        }
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
        let fresh = Arc::new(Routing::new(self.store.list_endpoints().await?));
        if let Ok(mut slot) = self.routing.write() {
            *slot = fresh;
        }
        self.faults_changed.notify_waiters();
        self.bus.publish(LiveEvent::EndpointsChanged {});
        Ok(())
    }
}
