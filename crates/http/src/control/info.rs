//! `/api/health` and `/api/info`.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub version: String,
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
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() })
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
