//! `/api/endpoints`: create, read, replace and delete endpoints.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hookbench_domain::endpoint::{Endpoint, EndpointId, EndpointInput};

use super::AppState;
use crate::error::{ApiError, ErrorBody};

#[utoipa::path(get, path = "/api/endpoints", tag = "endpoints", responses((status = 200, body = Vec<Endpoint>)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<Endpoint>>, ApiError> {
    Ok(Json(state.engine.list_endpoints().await?))
}

#[utoipa::path(post, path = "/api/endpoints", tag = "endpoints", request_body = EndpointInput,
    responses((status = 201, body = Endpoint), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    input: Result<Json<EndpointInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Endpoint>), ApiError> {
    let Json(input) = input.map_err(ApiError::from_json)?;
    Ok((StatusCode::CREATED, Json(state.engine.create_endpoint(input).await?)))
}

#[utoipa::path(get, path = "/api/endpoints/{id}", tag = "endpoints", params(("id" = i64, Path, description = "endpoint id")),
    responses((status = 200, body = Endpoint), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    id: Result<Path<EndpointId>, PathRejection>,
) -> Result<Json<Endpoint>, ApiError> {
    let id = endpoint_id(id)?;
    state.engine.get_endpoint(id).await?.map(Json).ok_or_else(|| not_found(id))
}

#[utoipa::path(put, path = "/api/endpoints/{id}", tag = "endpoints", params(("id" = i64, Path, description = "endpoint id")),
    request_body = EndpointInput,
    responses((status = 200, body = Endpoint), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    id: Result<Path<EndpointId>, PathRejection>,
    input: Result<Json<EndpointInput>, JsonRejection>,
) -> Result<Json<Endpoint>, ApiError> {
    let id = endpoint_id(id)?;
    let Json(input) = input.map_err(ApiError::from_json)?;
    state.engine.update_endpoint(id, input).await?.map(Json).ok_or_else(|| not_found(id))
}

#[utoipa::path(delete, path = "/api/endpoints/{id}", tag = "endpoints", params(("id" = i64, Path, description = "endpoint id")),
    responses((status = 204, description = "deleted; its captures moved to the default endpoint"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    id: Result<Path<EndpointId>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let id = endpoint_id(id)?;
    if state.engine.delete_endpoint(id).await? { Ok(StatusCode::NO_CONTENT) } else { Err(not_found(id)) }
}

fn endpoint_id(id: Result<Path<EndpointId>, PathRejection>) -> Result<EndpointId, ApiError> {
    id.map(|Path(id)| id).map_err(|_| ApiError::bad_request("an endpoint id is a whole number"))
}

fn not_found(id: EndpointId) -> ApiError {
    ApiError::not_found(format!("no endpoint with id {id}"))
}
