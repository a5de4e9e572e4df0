//! `/api/replays`: bulk replays — preview a selection or filter, start, follow, pause, resume, cancel.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hookbench_domain::batch::{Batch, BatchInput, BatchPreview, BatchState};
use hookbench_domain::outbox::BatchId;

use super::AppState;
use crate::error::{ApiError, ErrorBody};

#[utoipa::path(post, path = "/api/replays/preview", tag = "replay", request_body = BatchInput,
    responses((status = 200, body = BatchPreview, description = "how many items the bulk replay would take"), (status = 422, body = ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    input: Result<Json<BatchInput>, JsonRejection>,
) -> Result<Json<BatchPreview>, ApiError> {
    let Json(input) = input.map_err(ApiError::from_json)?;
    Ok(Json(state.engine.preview_batch(&input).await?))
}

#[utoipa::path(post, path = "/api/replays", tag = "replay",
    request_body(content = BatchInput, description = "`{source: {kind: captures|events, ids? | filter fields}, to?, mode?, rate_per_sec?, policy?, time_scale?}`"),
    responses((status = 201, body = Batch, description = "started; progress comes as `batch.updated` on the stream"), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    input: Result<Json<BatchInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Batch>), ApiError> {
    let Json(input) = input.map_err(ApiError::from_json)?;
    Ok((StatusCode::CREATED, Json(state.engine.create_batch(input).await?)))
}

#[utoipa::path(get, path = "/api/replays", tag = "replay", responses((status = 200, body = Vec<Batch>, description = "the newest 50")))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<Batch>>, ApiError> {
    Ok(Json(state.engine.list_batches().await?))
}

#[utoipa::path(get, path = "/api/replays/{id}", tag = "replay", params(("id" = i64, Path, description = "bulk replay id")),
    responses((status = 200, body = Batch), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    id: Result<Path<BatchId>, PathRejection>,
) -> Result<Json<Batch>, ApiError> {
    let id = batch_id(id)?;
    state.engine.get_batch(id).await?.map(Json).ok_or_else(|| not_found(id))
}

async fn change(
    state: AppState,
    id: Result<Path<BatchId>, PathRejection>,
    to: BatchState,
) -> Result<Json<Batch>, ApiError> {
    let id = batch_id(id)?;
    state.engine.change_batch(id, to).await?.map(Json).ok_or_else(|| not_found(id))
}

#[utoipa::path(post, path = "/api/replays/{id}/pause", tag = "replay", params(("id" = i64, Path, description = "bulk replay id")),
    responses((status = 200, body = Batch), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn pause(
    State(state): State<AppState>,
    id: Result<Path<BatchId>, PathRejection>,
) -> Result<Json<Batch>, ApiError> {
    change(state, id, BatchState::Paused).await
}

#[utoipa::path(post, path = "/api/replays/{id}/resume", tag = "replay", params(("id" = i64, Path, description = "bulk replay id")),
    responses((status = 200, body = Batch), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn resume(
    State(state): State<AppState>,
    id: Result<Path<BatchId>, PathRejection>,
) -> Result<Json<Batch>, ApiError> {
    change(state, id, BatchState::Running).await
}

#[utoipa::path(post, path = "/api/replays/{id}/cancel", tag = "replay", params(("id" = i64, Path, description = "bulk replay id")),
    responses((status = 200, body = Batch, description = "no more items, and its waiting events cancelled"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    id: Result<Path<BatchId>, PathRejection>,
) -> Result<Json<Batch>, ApiError> {
    change(state, id, BatchState::Cancelled).await
}

fn batch_id(id: Result<Path<BatchId>, PathRejection>) -> Result<BatchId, ApiError> {
    id.map(|Path(id)| id).map_err(|_| ApiError::bad_request("a bulk replay id is a whole number"))
}

fn not_found(id: BatchId) -> ApiError {
    ApiError::not_found(format!("no bulk replay with id {id}"))
}
