//! Fault plans over the API: `/api/fault-presets`, `/api/faults` (what is broken now; heal all)
//! and `/api/endpoints/{id}/faults` (one endpoint's plans).

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hookbench_domain::endpoint::EndpointId;
use hookbench_domain::fault::{FaultPlan, FaultPreset, PlanStatus, presets};
use hookbench_engine::ActiveFault;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use crate::error::{ApiError, ErrorBody};

#[utoipa::path(get, path = "/api/fault-presets", tag = "faults", responses((status = 200, body = Vec<FaultPreset>)))]
pub async fn list_presets() -> Json<Vec<FaultPreset>> {
    Json(presets())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActiveFaults {
    /// Every plan that applies now, across endpoints.
    pub active: Vec<ActiveFault>,
    /// `true` while a `receiver_off` plan keeps the listener closed (connection refused).
    pub receiver_off: bool,
}

#[utoipa::path(get, path = "/api/faults", tag = "faults", responses((status = 200, body = ActiveFaults)))]
pub async fn active(State(state): State<AppState>) -> Json<ActiveFaults> {
    Json(ActiveFaults { active: state.engine.active_faults(), receiver_off: state.engine.listener_off().is_some() })
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Healed {
    /// How many plans were removed.
    pub removed: usize,
}

#[utoipa::path(delete, path = "/api/faults", tag = "faults", responses((status = 200, body = Healed, description = "every fault plan of every endpoint removed")))]
pub async fn heal_all(State(state): State<AppState>) -> Result<Json<Healed>, ApiError> {
    Ok(Json(Healed { removed: state.engine.clear_faults(None).await? }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanWithStatus {
    #[serde(flatten)]
    pub plan: FaultPlan,
    pub status: PlanStatus,
}

fn with_status(state: &AppState, plans: Vec<FaultPlan>) -> Vec<PlanWithStatus> {
    let now = state.engine.now_ms();
    plans.into_iter().map(|plan| PlanWithStatus { status: plan.status(now), plan }).collect()
}

#[utoipa::path(get, path = "/api/endpoints/{id}/faults", tag = "faults", params(("id" = i64, Path, description = "endpoint id")),
    responses((status = 200, body = Vec<PlanWithStatus>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    id: Result<Path<EndpointId>, PathRejection>,
) -> Result<Json<Vec<PlanWithStatus>>, ApiError> {
    let id = endpoint_id(id)?;
    let endpoint = state.engine.get_endpoint(id).await?.ok_or_else(|| not_found(id))?;
    Ok(Json(with_status(&state, endpoint.settings.faults)))
}

#[utoipa::path(put, path = "/api/endpoints/{id}/faults", tag = "faults", params(("id" = i64, Path, description = "endpoint id")),
    request_body = Vec<FaultPlan>,
    responses((status = 200, body = Vec<PlanWithStatus>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace(
    State(state): State<AppState>,
    id: Result<Path<EndpointId>, PathRejection>,
    plans: Result<Json<Vec<FaultPlan>>, JsonRejection>,
) -> Result<Json<Vec<PlanWithStatus>>, ApiError> {
    let id = endpoint_id(id)?;
    let Json(plans) = plans.map_err(ApiError::from_json)?;
    let plans = state.engine.set_faults(id, plans).await?.ok_or_else(|| not_found(id))?;
    Ok(Json(with_status(&state, plans)))
}

/// Either a preset id or a whole plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum NewFault {
    Preset { preset: String },
    Plan(Box<FaultPlan>),
}

#[utoipa::path(post, path = "/api/endpoints/{id}/faults", tag = "faults", params(("id" = i64, Path, description = "endpoint id")),
    request_body(content = Object, description = "`{\"preset\":\"503-2m\"}` or a fault plan; it is switched on now"),
    responses((status = 200, body = Vec<PlanWithStatus>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    id: Result<Path<EndpointId>, PathRejection>,
    fault: Result<Json<NewFault>, JsonRejection>,
) -> Result<Json<Vec<PlanWithStatus>>, ApiError> {
    let id = endpoint_id(id)?;
    let Json(fault) = fault.map_err(ApiError::from_json)?;
    let plans = match fault {
        NewFault::Preset { preset } => state.engine.apply_preset(id, &preset).await?,
        NewFault::Plan(plan) => state.engine.add_fault(id, *plan).await?,
    }
    .ok_or_else(|| not_found(id))?;
    Ok(Json(with_status(&state, plans)))
}

#[utoipa::path(delete, path = "/api/endpoints/{id}/faults", tag = "faults", params(("id" = i64, Path, description = "endpoint id")),
    responses((status = 200, body = Healed), (status = 404, body = ErrorBody)))]
pub async fn clear(
    State(state): State<AppState>,
    id: Result<Path<EndpointId>, PathRejection>,
) -> Result<Json<Healed>, ApiError> {
    let id = endpoint_id(id)?;
    state.engine.get_endpoint(id).await?.ok_or_else(|| not_found(id))?;
    Ok(Json(Healed { removed: state.engine.clear_faults(Some(id)).await? }))
}

#[utoipa::path(delete, path = "/api/endpoints/{id}/faults/{plan}", tag = "faults",
    params(("id" = i64, Path, description = "endpoint id"), ("plan" = String, Path, description = "plan id")),
    responses((status = 204, description = "removed"), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    ids: Result<Path<(EndpointId, String)>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let (id, plan_id) = ids.map(|Path(p)| p).map_err(|_| ApiError::bad_request("an endpoint id is a whole number"))?;
    let endpoint = state.engine.get_endpoint(id).await?.ok_or_else(|| not_found(id))?;
    let mut plans = endpoint.settings.faults;
    let before = plans.len();
    plans.retain(|p| p.id != plan_id);
    if plans.len() == before {
        return Err(ApiError::not_found(format!("endpoint {id} has no fault plan '{plan_id}'")));
    }
    state.engine.set_faults(id, plans).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn endpoint_id(id: Result<Path<EndpointId>, PathRejection>) -> Result<EndpointId, ApiError> {
    id.map(|Path(id)| id).map_err(|_| ApiError::bad_request("an endpoint id is a whole number"))
}

fn not_found(id: EndpointId) -> ApiError {
    ApiError::not_found(format!("no endpoint with id {id}"))
}
