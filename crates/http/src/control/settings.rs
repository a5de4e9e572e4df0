//! `/api/settings`: engine-wide settings (the sender's global time scale).

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use hookbench_domain::settings::{Settings, SettingsPatch};

use super::AppState;
use crate::error::{ApiError, ErrorBody};

#[utoipa::path(get, path = "/api/settings", tag = "meta", responses((status = 200, body = Settings)))]
pub async fn get(State(state): State<AppState>) -> Json<Settings> {
    Json(state.engine.settings())
}

#[utoipa::path(put, path = "/api/settings", tag = "meta",
    request_body(content = SettingsPatch, description = "only the fields to change, e.g. `{\"time_scale\": 60}`"),
    responses((status = 200, body = Settings, description = "the settings now; waiting retries at the global scale are rescaled"),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    patch: Result<Json<SettingsPatch>, JsonRejection>,
) -> Result<Json<Settings>, ApiError> {
    let Json(patch) = patch.map_err(ApiError::from_json)?;
    Ok(Json(state.engine.update_settings(patch).await?))
}
