//! `/api/export` and `/api/import`: captures and events as HAR 1.2, JSON Lines or a cURL script
//! (redacted by default), and HAR / JSON Lines / `curl` commands back in as captures.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hookbench_engine::{ExportInput, ImportFormat, ImportResult};
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use crate::error::{ApiError, ErrorBody};

/// The largest file `POST /api/import` takes.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

#[utoipa::path(post, path = "/api/export", tag = "replay",
    request_body(content = ExportInput, description = "`{format: har|jsonl|curl, source: {kind: captures|events, ids? | filter fields}, redact?: true, redact_headers?, secrets?}`"),
    responses((status = 200, description = "the file, as an attachment (`application/json`, `application/x-ndjson` or a shell script)"),
        (status = 422, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    input: Result<Json<ExportInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = input.map_err(ApiError::from_json)?;
    let token = state.token.to_string();
    let export = state.engine.export(input, vec![token]).await?;
    let disposition = format!("attachment; filename=\"{}\"", export.file_name);
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, export.content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::HeaderName::from_static("x-hookbench-records"), export.records.to_string()),
        ],
        export.bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// auto (default), har, jsonl or curl.
    pub format: Option<ImportFormat>,
    /// Store every request under this endpoint (default: each goes where its path routes).
    pub endpoint: Option<i64>,
}

#[utoipa::path(post, path = "/api/import", tag = "replay", params(ImportQuery),
    request_body(content = String, description = "the file's bytes: a HAR file, JSON Lines, or one or more `curl` commands", content_type = "application/octet-stream"),
    responses((status = 201, body = ImportResult, description = "stored as captures (all or none)"),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody, description = "what is wrong and where: `entries[3].request.url: …`")))]
pub async fn import(
    State(state): State<AppState>,
    q: Result<Query<ImportQuery>, QueryRejection>,
    body: Bytes,
) -> Result<(StatusCode, Json<ImportResult>), ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let result = state.engine.import(&body, q.format.unwrap_or_default(), q.endpoint).await?;
    Ok((StatusCode::CREATED, Json(result)))
}
