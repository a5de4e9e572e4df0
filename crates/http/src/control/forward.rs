//! Hold and release of forwarded events: `/api/events/{id}/release` (optionally edited first),
//! `/api/endpoints/{id}/release` (all held of an endpoint) and `/api/endpoints/{id}/held`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use hookbench_domain::endpoint::EndpointId;
use hookbench_domain::outbox::{EventId, EventSummary};
use hookbench_domain::replay::RequestEdit;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use crate::error::{ApiError, ErrorBody};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Released {
    /// The events released, oldest first: `pending`, due now.
    pub released: Vec<EventSummary>,
}

#[utoipa::path(post, path = "/api/events/{id}/release", tag = "forward", params(("id" = i64, Path, description = "event id")),
    request_body(content = Option<RequestEdit>, description = "optional edit applied first: method, url, headers (the whole list), body | body_base64; the capture never changes"),
    responses((status = 200, body = EventSummary, description = "released: pending, due now"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the event is not held"), (status = 422, body = ErrorBody, description = "the edit is invalid; the message names the field")))]
pub async fn release_event(
    State(state): State<AppState>,
    id: Result<Path<EventId>, PathRejection>,
    body: Bytes,
) -> Result<Json<EventSummary>, ApiError> {
    let id = id.map(|Path(id)| id).map_err(|_| ApiError::bad_request("an event id is a whole number"))?;
    let edit = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let edit: RequestEdit = serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", format!("edit: {e}"))
        })?;
        Some(edit)
    };
    state
        .engine
        .release_event(id, edit)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no event with id {id}")))
}

#[utoipa::path(post, path = "/api/endpoints/{id}/release", tag = "forward", params(("id" = i64, Path, description = "endpoint id")),
    responses((status = 200, body = Released), (status = 404, body = ErrorBody)))]
pub async fn release_endpoint(
    State(state): State<AppState>,
    id: Result<Path<EndpointId>, PathRejection>,
) -> Result<Json<Released>, ApiError> {
    let id = endpoint_id(&state, id).await?;
    Ok(Json(Released { released: state.engine.release_endpoint(id).await? }))
}

#[utoipa::path(get, path = "/api/endpoints/{id}/held", tag = "forward", params(("id" = i64, Path, description = "endpoint id")),
    responses((status = 200, body = Vec<EventSummary>, description = "the endpoint's held forward events, oldest first"), (status = 404, body = ErrorBody)))]
pub async fn held(
    State(state): State<AppState>,
    id: Result<Path<EndpointId>, PathRejection>,
) -> Result<Json<Vec<EventSummary>>, ApiError> {
    let id = endpoint_id(&state, id).await?;
    Ok(Json(state.engine.held_events(id).await?))
}

/// The endpoint id from the path, once it is known to exist.
pub(super) async fn endpoint_id(
    state: &AppState,
    id: Result<Path<EndpointId>, PathRejection>,
) -> Result<EndpointId, ApiError> {
    let id = id.map(|Path(id)| id).map_err(|_| ApiError::bad_request("an endpoint id is a whole number"))?;
    match state.engine.get_endpoint(id).await? {
        Some(_) => Ok(id),
        None => Err(ApiError::not_found(format!("no endpoint with id {id}"))),
    }
}
