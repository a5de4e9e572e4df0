//! `/api/destinations`: create, read, replace and delete the targets events are sent to.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hookbench_domain::outbox::{Destination, DestinationId, DestinationInput};

use super::AppState;
use crate::error::{ApiError, ErrorBody};

#[utoipa::path(get, path = "/api/destinations", tag = "sender", responses((status = 200, body = Vec<Destination>)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<Destination>>, ApiError> {
    Ok(Json(state.engine.list_destinations().await?))
}

#[utoipa::path(post, path = "/api/destinations", tag = "sender", request_body = DestinationInput,
    responses((status = 201, body = Destination), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    input: Result<Json<DestinationInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Destination>), ApiError> {
    let Json(input) = input.map_err(ApiError::from_json)?;
    Ok((StatusCode::CREATED, Json(state.engine.create_destination(input).await?)))
}

#[utoipa::path(get, path = "/api/destinations/{id}", tag = "sender", params(("id" = i64, Path, description = "destination id")),
    responses((status = 200, body = Destination), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    id: Result<Path<DestinationId>, PathRejection>,
) -> Result<Json<Destination>, ApiError> {
    let id = destination_id(id)?;
    state.engine.get_destination(id).await?.map(Json).ok_or_else(|| not_found(id))
}

#[utoipa::path(put, path = "/api/destinations/{id}", tag = "sender", params(("id" = i64, Path, description = "destination id")),
    request_body = DestinationInput,
    responses((status = 200, body = Destination), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    id: Result<Path<DestinationId>, PathRejection>,
    input: Result<Json<DestinationInput>, JsonRejection>,
) -> Result<Json<Destination>, ApiError> {
    let id = destination_id(id)?;
    let Json(input) = input.map_err(ApiError::from_json)?;
    state.engine.update_destination(id, input).await?.map(Json).ok_or_else(|| not_found(id))
}

#[utoipa::path(delete, path = "/api/destinations/{id}", tag = "sender", params(("id" = i64, Path, description = "destination id")),
    responses((status = 204, description = "deleted; its events keep their own copy of URL and settings"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    id: Result<Path<DestinationId>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let id = destination_id(id)?;
    if state.engine.delete_destination(id).await? { Ok(StatusCode::NO_CONTENT) } else { Err(not_found(id)) }
}

fn destination_id(id: Result<Path<DestinationId>, PathRejection>) -> Result<DestinationId, ApiError> {
    id.map(|Path(id)| id).map_err(|_| ApiError::bad_request("a destination id is a whole number"))
}

fn not_found(id: DestinationId) -> ApiError {
    ApiError::not_found(format!("no destination with id {id}"))
}
