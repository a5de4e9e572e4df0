//! Fault plans per endpoint: switch them on and off, list what is live, and tell the receiver when
//! its listener must be off. The decision per request is `hookbench_domain::fault::decide`.

use hookbench_domain::Timestamp;
use hookbench_domain::endpoint::{EndpointId, EndpointInput};
use hookbench_domain::fault::{ActivePlan, FaultPlan, active_plans, next_change, refusing};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{Engine, EngineError};

/// A live plan with the endpoint it belongs to, for the "what is broken right now" banner.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActiveFault {
    pub endpoint_id: EndpointId,
    pub endpoint_name: String,
    pub path_prefix: String,
    #[serde(flatten)]
    pub plan: ActivePlan,
}

/// Whether the receiver's listener must be off, and until when (`None`: until a person heals it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenerOff {
    pub until: Option<Timestamp>,
}

impl Engine {
    /// Replaces an endpoint's fault plans (validated); their counters start afresh.
    pub async fn set_faults(
        &self,
        endpoint_id: EndpointId,
        plans: Vec<FaultPlan>,
    ) -> Result<Option<Vec<FaultPlan>>, EngineError> {
        let Some(endpoint) = self.get_endpoint(endpoint_id).await? else { return Ok(None) };
        let mut settings = endpoint.settings;
        settings.faults = plans;
        let input = EndpointInput { name: endpoint.name, path_prefix: endpoint.path_prefix, settings };
        let updated = self.update_endpoint(endpoint_id, input).await?;
        if let Ok(mut states) = self.fault_states.lock() {
            states.remove(&endpoint_id);
        }
        Ok(updated.map(|e| e.settings.faults))
    }

    /// Adds a plan (replacing one with the same id) and switches it on now.
    pub async fn add_fault(
        &self,
        endpoint_id: EndpointId,
        mut plan: FaultPlan,
    ) -> Result<Option<Vec<FaultPlan>>, EngineError> {
        let Some(endpoint) = self.get_endpoint(endpoint_id).await? else { return Ok(None) };
        plan.activated_at = self.now_ms();
        plan.enabled = true;
        let mut plans = endpoint.settings.faults;
        plans.retain(|p| p.id != plan.id);
        plans.push(plan);
        self.set_faults(endpoint_id, plans).await
    }

    /// Switches a preset on (`down`, `503-2m`, `flaky-30`, `slow-5s`, `rate-limited`, `fail-3`).
    pub async fn apply_preset(
        &self,
        endpoint_id: EndpointId,
        preset: &str,
    ) -> Result<Option<Vec<FaultPlan>>, EngineError> {
        let plan = FaultPlan::preset(preset, self.now_ms()).ok_or_else(|| {
            let known: Vec<String> = hookbench_domain::fault::presets().into_iter().map(|p| p.id.to_string()).collect();
            EngineError::Invalid(vec![format!("preset: unknown preset '{preset}'; known: {}", known.join(", "))])
        })?;
        self.add_fault(endpoint_id, plan).await
    }

    /// Heals: removes every fault plan of one endpoint, or of all endpoints. Returns how many went.
    pub async fn clear_faults(&self, endpoint_id: Option<EndpointId>) -> Result<usize, EngineError> {
        let mut removed = 0;
        for endpoint in self.list_endpoints().await? {
            if endpoint_id.is_some_and(|id| id != endpoint.id) || endpoint.settings.faults.is_empty() {
                continue;
            }
            removed += endpoint.settings.faults.len();
            self.set_faults(endpoint.id, Vec::new()).await?;
        }
        Ok(removed)
    }

    /// Every plan that is live now, across endpoints.
    pub fn active_faults(&self) -> Vec<ActiveFault> {
        let now = self.now_ms();
        let routing = self.routing_snapshot();
        routing
            .endpoints
            .iter()
            .flat_map(|e| {
                active_plans(&e.settings.faults, now).into_iter().map(move |plan| ActiveFault {
                    endpoint_id: e.id,
                    endpoint_name: e.name.clone(),
                    path_prefix: e.path_prefix.clone(),
                    plan,
                })
            })
            .collect()
    }

    /// `Some` while a live `receiver_off` plan says the listener must refuse connections.
    pub fn listener_off(&self) -> Option<ListenerOff> {
        let now = self.now_ms();
        let routing = self.routing_snapshot();
        routing.endpoints.iter().find_map(|e| {
            refusing(&e.settings.faults, now).map(|_| ListenerOff { until: next_change(&e.settings.faults, now) })
        })
    }

    /// Resolves when fault plans (or any endpoint) change.
    pub async fn faults_changed(&self) {
        self.faults_changed.notified().await;
    }
}
