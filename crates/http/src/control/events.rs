//! `/api/events`: put events in the outbox, follow their timelines, retry, cancel and resend
//! them; `/api/dead-letters` and `/api/retry-presets`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hookbench_domain::outbox::{
    Event, EventDetail, EventFilter, EventId, EventInput, EventPage, EventState, EventSummary,
};
use hookbench_domain::replay::RequestEdit;
use hookbench_domain::retry::{Preset, presets};
use hookbench_engine::DeadLetters;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use crate::error::{ApiError, ErrorBody};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// pending, delivering, delivered, retrying, dead or cancelled.
    pub state: Option<String>,
    /// Only events of this destination (id).
    pub destination: Option<i64>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Cursor: only events older than this id (the previous page's `next_cursor`).
    pub before: Option<EventId>,
}

fn filter(q: Result<Query<ListQuery>, QueryRejection>) -> Result<EventFilter, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let state = match q.state.as_deref() {
        None | Some("") | Some("any") => None,
        Some(text) => Some(EventState::parse(text).ok_or_else(|| {
            let all: Vec<&str> = EventState::ALL.iter().map(|s| s.as_str()).collect();
            ApiError::bad_request(format!("state '{text}' is not one of {}", all.join(", ")))
        })?),
    };
    Ok(EventFilter { state, destination_id: q.destination, limit: q.limit.unwrap_or(50), before: q.before })
}

#[utoipa::path(post, path = "/api/events", tag = "sender",
    request_body(content = EventInput, description = "`{destination | url, method?, headers?, body | body_base64, scheme?, secret?, policy?, time_scale?}`"),
    responses((status = 201, body = Event, description = "stored in the outbox, before any attempt"), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    input: Result<Json<EventInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Event>), ApiError> {
    let Json(input) = input.map_err(ApiError::from_json)?;
    Ok((StatusCode::CREATED, Json(state.engine.send_event(input).await?)))
}

#[utoipa::path(get, path = "/api/events", tag = "sender", params(ListQuery),
    responses((status = 200, body = EventPage), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<EventPage>, ApiError> {
    Ok(Json(state.engine.list_events(filter(q)?).await?))
}

#[utoipa::path(get, path = "/api/events/{id}", tag = "sender", params(("id" = i64, Path, description = "event id")),
    responses((status = 200, body = EventDetail, description = "the event, its attempts, timeline marks and planned attempts"), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    id: Result<Path<EventId>, PathRejection>,
) -> Result<Json<EventDetail>, ApiError> {
    let id = event_id(id)?;
    state.engine.get_event(id).await?.map(Json).ok_or_else(|| not_found(id))
}

#[utoipa::path(post, path = "/api/events/{id}/retry", tag = "sender", params(("id" = i64, Path, description = "event id")),
    responses((status = 200, body = EventSummary, description = "due now"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn retry(
    State(state): State<AppState>,
    id: Result<Path<EventId>, PathRejection>,
) -> Result<Json<EventSummary>, ApiError> {
    let id = event_id(id)?;
    state.engine.retry_event(id).await?.map(Json).ok_or_else(|| not_found(id))
}

#[utoipa::path(post, path = "/api/events/{id}/cancel", tag = "sender", params(("id" = i64, Path, description = "event id")),
    responses((status = 200, body = EventSummary), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    id: Result<Path<EventId>, PathRejection>,
) -> Result<Json<EventSummary>, ApiError> {
    let id = event_id(id)?;
    state.engine.cancel_event(id).await?.map(Json).ok_or_else(|| not_found(id))
}

/// `POST /api/events/{id}/resend`: all optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ResendInput {
    /// Change method, URL, the event's own headers or body first; the old event is not changed.
    #[serde(default)]
    pub edit: Option<RequestEdit>,
}

#[utoipa::path(post, path = "/api/events/{id}/resend", tag = "sender", params(("id" = i64, Path, description = "event id")),
    request_body(content = Option<ResendInput>, description = "optional: `{\"edit\": {method?, url?, headers?, body? | body_base64?}}`"),
    responses((status = 201, body = Event, description = "a new event with the same (or edited) payload, `resent_from` the old"),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn resend(
    State(state): State<AppState>,
    id: Result<Path<EventId>, PathRejection>,
    body: Bytes,
) -> Result<(StatusCode, Json<Event>), ApiError> {
    let id = event_id(id)?;
    let input: ResendInput = optional_json(&body)?;
    let event = state.engine.resend_event(id, input.edit).await?.ok_or_else(|| not_found(id))?;
    Ok((StatusCode::CREATED, Json(event)))
}

/// An optional JSON body: empty means the defaults.
pub(super) fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", e.to_string()),
            _ => ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", format!("the body is not JSON: {e}")),
        }
    })
}

#[utoipa::path(get, path = "/api/dead-letters", tag = "sender", params(ListQuery),
    responses((status = 200, body = DeadLetters)))]
pub async fn dead_letters(
    State(state): State<AppState>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<DeadLetters>, ApiError> {
    Ok(Json(state.engine.dead_letters(filter(q)?).await?))
}

#[utoipa::path(get, path = "/api/retry-presets", tag = "sender", responses((status = 200, body = Vec<Preset>)))]
pub async fn retry_presets() -> Json<Vec<Preset>> {
    Json(presets())
}

fn event_id(id: Result<Path<EventId>, PathRejection>) -> Result<EventId, ApiError> {
    id.map(|Path(id)| id).map_err(|_| ApiError::bad_request("an event id is a whole number"))
}

fn not_found(id: EventId) -> ApiError {
    ApiError::not_found(format!("no event with id {id}"))
}
