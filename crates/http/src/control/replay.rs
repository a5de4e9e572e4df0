//! `/api/captures/{id}/replay`: send a captured request again, as received or re-signed, edited or
//! not, to a URL or a destination, through the outbox.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hookbench_domain::CaptureId;
use hookbench_domain::outbox::Event;
use hookbench_domain::replay::ReplayInput;

use super::AppState;
use crate::error::{ApiError, ErrorBody};

#[utoipa::path(post, path = "/api/captures/{id}/replay", tag = "replay", params(("id" = i64, Path, description = "capture id")),
    request_body(content = ReplayInput, description = "`{url | destination, mode?: as_received | resigned, edit?: {method?, url?, headers?, body? | body_base64?, allow_invalid_json?}, scheme?, secret?, policy?, time_scale?}`"),
    responses((status = 201, body = Event, description = "the replay, stored in the outbox with `origin: replay` and `capture_id`"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the capture's body was not stored"),
        (status = 422, body = ErrorBody)))]
pub async fn replay_capture(
    State(state): State<AppState>,
    id: Result<Path<CaptureId>, PathRejection>,
    input: Result<Json<ReplayInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Event>), ApiError> {
    let id = id.map(|Path(id)| id).map_err(|_| ApiError::bad_request("a capture id is a whole number"))?;
    let Json(input) = input.map_err(ApiError::from_json)?;
    let event = state
        .engine
        .replay_capture(id, input)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no capture with id {id}")))?;
    Ok((StatusCode::CREATED, Json(event)))
}
