//! `/api/health` and `/api/info`.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` while the store refuses writes (requests then get 503 with the reason).
    pub status: String,
    pub version: String,
    /// `null` while writes go through.
    pub store: Option<StoreTroubleView>,
}

/// Why writes are failing: the database is locked by another process, or the disk is full.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StoreTroubleView {
    pub error: String,
    /// Since when (unix ms).
    pub since: i64,
    pub failed_writes: u64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Info {
    pub version: String,
    /// Where to send webhooks.
    pub receiver_url: String,
    pub api_url: String,
    pub data_dir: String,
    /// Bodies larger than this are refused with 413 (metadata is still recorded).
    pub max_body_bytes: u64,
}

#[utoipa::path(get, path = "/api/health", tag = "meta", security(), responses((status = 200, body = Health)))]
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    let store = state.engine.store_trouble().map(|t| StoreTroubleView {
        error: t.error,
        since: t.since,
        failed_writes: t.failed_writes,
    });
    let status = if store.is_some() { "degraded" } else { "ok" };
    Json(Health { status: status.into(), version: env!("CARGO_PKG_VERSION").into(), store })
}

#[utoipa::path(get, path = "/api/info", tag = "meta", responses((status = 200, body = Info)))]
pub async fn info(State(state): State<AppState>) -> Json<Info> {
    let config = state.engine.config();
    Json(Info {
        version: env!("CARGO_PKG_VERSION").into(),
        receiver_url: state.receiver_url.to_string(),
        api_url: state.api_url.to_string(),
        data_dir: config.data_dir.display().to_string(),
        max_body_bytes: config.max_body_bytes as u64,
    })
}
