//! `/api/captures`: list, read, download, delete.

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookbench_domain::{Capture, CaptureFilter, CaptureId, CapturePage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use crate::error::{ApiError, ErrorBody};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size, 1–500 (default 50).
    pub limit: Option<usize>,
    /// Cursor: only captures older than this id (the previous page's `next_cursor`).
    pub before: Option<CaptureId>,
    /// Only this HTTP method.
    pub method: Option<String>,
    /// Case-insensitive substring of the path and query.
    pub q: Option<String>,
    /// Only captures of this endpoint.
    pub endpoint: Option<i64>,
    /// `valid` or `invalid`: only captures whose signature verdict is that.
    pub verdict: Option<String>,
    /// `true`: only duplicates; `false`: only first copies.
    pub duplicate: Option<bool>,
    /// Full-text search over path, headers and body: every word must appear (prefixes match;
    /// `"a phrase"` in quotes).
    pub search: Option<String>,
    /// Only captures answered with this status (`0`: no HTTP answer was given).
    pub status: Option<u16>,
    /// Received at or after this time (unix ms).
    pub since: Option<i64>,
    /// Received before this time (unix ms).
    pub until: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Deleted {
    pub deleted: u64,
}

#[utoipa::path(get, path = "/api/captures", tag = "captures", params(ListQuery),
    responses((status = 200, body = CapturePage), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<CapturePage>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let verdict_valid = match q.verdict.as_deref() {
        None | Some("") | Some("any") => None,
        Some("valid") => Some(true),
        Some("invalid") => Some(false),
        Some(other) => return Err(ApiError::bad_request(format!("verdict '{other}' is not one of valid, invalid"))),
    };
    let filter = CaptureFilter {
        before: q.before,
        method: q.method,
        path_contains: q.q,
        endpoint_id: q.endpoint,
        verdict_valid,
        duplicate: q.duplicate,
        text: q.search,
        status: q.status,
        since: q.since,
        until: q.until,
        limit: q.limit.unwrap_or(50),
    };
    Ok(Json(state.engine.list_captures(filter).await?))
}

#[utoipa::path(get, path = "/api/captures/{id}", tag = "captures", params(("id" = i64, Path, description = "capture id")),
    responses((status = 200, body = Capture), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    id: Result<Path<CaptureId>, PathRejection>,
) -> Result<Json<Capture>, ApiError> {
    let id = capture_id(id)?;
    let mut capture = state.engine.get_capture(id).await?.ok_or_else(|| not_found(id))?;
    if capture.verdict.is_none() {
        let headers: Vec<_> = capture.headers.iter().map(|h| h.to_header()).collect();
        let body = capture.body_base64.as_deref().and_then(|b| BASE64.decode(b).ok()).unwrap_or_default();
        capture.detected = hookbench_domain::signature::detect(&headers, &body);
    }
    Ok(Json(capture))
}

/// The body exactly as received. It is attacker-controlled, so it is served as a download in a
/// sandbox: opened in a browser it can never run script on the API's origin.
#[utoipa::path(get, path = "/api/captures/{id}/body", tag = "captures", params(("id" = i64, Path, description = "capture id")),
    responses((status = 200, description = "the raw body bytes, with the original Content-Type", content_type = "application/octet-stream"),
              (status = 404, body = ErrorBody)))]
pub async fn body(
    State(state): State<AppState>,
    id: Result<Path<CaptureId>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = capture_id(id)?;
    let stored = state.engine.capture_body(id).await?.ok_or_else(|| not_found(id))?;
    let Some(bytes) = stored.bytes else {
        return Err(ApiError::new(
            StatusCode::GONE,
            "body_not_stored",
            format!("capture {id} was over the size limit; its body was not stored"),
        ));
    };
    let content_type = stored.content_type.unwrap_or_else(|| "application/octet-stream".into());
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        content_type.parse().unwrap_or(header::HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        header::HeaderValue::from_str(&format!("attachment; filename=\"capture-{id}.bin\""))
            .unwrap_or(header::HeaderValue::from_static("attachment")),
    );
    h.insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static("sandbox; default-src 'none'"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, header::HeaderValue::from_static("nosniff"));
    Ok(res)
}

#[utoipa::path(delete, path = "/api/captures/{id}", tag = "captures", params(("id" = i64, Path, description = "capture id")),
    responses((status = 204, description = "deleted"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    id: Result<Path<CaptureId>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let id = capture_id(id)?;
    if state.engine.delete_capture(id).await? { Ok(StatusCode::NO_CONTENT) } else { Err(not_found(id)) }
}

#[utoipa::path(delete, path = "/api/captures", tag = "captures", responses((status = 200, body = Deleted)))]
pub async fn clear(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(Deleted { deleted: state.engine.clear_captures().await? }))
}

fn not_found(id: CaptureId) -> ApiError {
    ApiError::not_found(format!("no capture with id {id}"))
}

fn capture_id(id: Result<Path<CaptureId>, PathRejection>) -> Result<CaptureId, ApiError> {
    id.map(|Path(id)| id).map_err(|_| ApiError::bad_request("a capture id is a whole number"))
}
