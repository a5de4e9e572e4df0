//! `/api/metrics` (JSON and Prometheus text), `/api/alerts`, `/api/storage`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use hookbench_domain::alerts::AlertRules;
use hookbench_domain::metrics::{Metrics, Storage};
use hookbench_engine::AlertsView;
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use crate::error::{ApiError, ErrorBody};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    /// 5m, 15m, 1h (default), 6h, 24h or 7d.
    pub window: Option<String>,
}

#[utoipa::path(get, path = "/api/metrics", tag = "metrics", params(MetricsQuery),
    responses((status = 200, body = Metrics, description = "per destination and endpoint, with a series per bucket"), (status = 422, body = ErrorBody)))]
pub async fn metrics(
    State(state): State<AppState>,
    q: Result<Query<MetricsQuery>, QueryRejection>,
) -> Result<Json<Metrics>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    Ok(Json(state.engine.metrics(q.window.as_deref().unwrap_or("1h")).await?))
}

#[utoipa::path(get, path = "/api/metrics/prometheus", tag = "metrics",
    responses((status = 200, body = String, content_type = "text/plain", description = "the last hour's figures in Prometheus' text format")))]
pub async fn prometheus(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let text = state.engine.prometheus().await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text))
}

#[utoipa::path(get, path = "/api/alerts", tag = "metrics", responses((status = 200, body = AlertsView)))]
pub async fn alerts(State(state): State<AppState>) -> Json<AlertsView> {
    Json(state.engine.alerts())
}

#[utoipa::path(put, path = "/api/alerts/rules", tag = "metrics",
    request_body(content = AlertRules, description = "only the fields to change"),
    responses((status = 200, body = AlertRules), (status = 422, body = ErrorBody)))]
pub async fn update_rules(
    State(state): State<AppState>,
    patch: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<AlertRules>, ApiError> {
    let Json(patch) = patch.map_err(ApiError::from_json)?;
    Ok(Json(state.engine.update_alert_rules(patch).await?))
}

#[utoipa::path(get, path = "/api/storage", tag = "metrics", responses((status = 200, body = Storage)))]
pub async fn storage(State(state): State<AppState>) -> Result<Json<Storage>, ApiError> {
    Ok(Json(state.engine.storage().await?))
}
