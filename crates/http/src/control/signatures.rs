//! The signature workbench: `/api/schemes`, `/api/verify`, `/api/sign`. Pure computations over
//! what the caller pastes; nothing is stored.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookbench_domain::capture::HeaderView;
use hookbench_domain::signature::{self, Detection, Scheme, SignRequest, Verdict, VerifyConfig, VerifyRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use crate::error::{ApiError, ErrorBody};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SchemeInfo {
    /// The id used by the CLI (`--scheme`), e.g. `stripe`.
    pub id: String,
    pub label: String,
    /// The scheme as endpoint settings take it, e.g. `{"kind":"stripe"}`.
    #[schema(value_type = Object)]
    pub scheme: Scheme,
    /// `null` when the scheme carries no timestamp.
    pub default_tolerance_secs: Option<u64>,
}

#[utoipa::path(get, path = "/api/schemes", tag = "signatures", responses((status = 200, body = Vec<SchemeInfo>)))]
pub async fn schemes() -> Json<Vec<SchemeInfo>> {
    Json(
        Scheme::all_builtin()
            .into_iter()
            .map(|scheme| SchemeInfo {
                id: scheme.id().into(),
                label: scheme.label().into(),
                default_tolerance_secs: scheme.default_tolerance_secs(),
                scheme,
            })
            .collect(),
    )
}

/// A body given as text or, for bytes that are not text, as base64.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PastedBody {
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub body_base64: Option<String>,
}

impl PastedBody {
    fn bytes(&self) -> Result<Vec<u8>, ApiError> {
        match (&self.body_base64, &self.body) {
            (Some(b64), _) => {
                BASE64.decode(b64.trim()).map_err(|e| ApiError::bad_request(format!("body_base64 is not base64: {e}")))
            }
            (None, Some(text)) => Ok(text.as_bytes().to_vec()),
            (None, None) => Ok(Vec::new()),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyInput {
    #[schema(value_type = Object)]
    pub scheme: Scheme,
    /// Newest first.
    pub secrets: Vec<String>,
    #[serde(default)]
    pub tolerance_secs: Option<u64>,
    #[serde(default = "default_method")]
    pub method: String,
    /// The URL the provider signed (Twilio, Square) or sent to.
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub headers: Vec<HeaderView>,
    #[serde(flatten)]
    pub body: PastedBody,
    /// The time to judge timestamps against (unix seconds); default: now.
    #[serde(default)]
    pub now_unix: Option<i64>,
}

fn default_method() -> String {
    "POST".into()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyOutput {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub verdict: Verdict,
    /// Providers recognised from the headers, strongest first.
    #[schema(value_type = Vec<Object>)]
    pub detected: Vec<Detection>,
}

#[utoipa::path(post, path = "/api/verify", tag = "signatures", request_body = VerifyInput,
    responses((status = 200, body = VerifyOutput, description = "the verdict with every step of the computation"), (status = 400, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    input: Result<Json<VerifyInput>, JsonRejection>,
) -> Result<Json<VerifyOutput>, ApiError> {
    let Json(input) = input.map_err(ApiError::from_json)?;
    let body = input.body.bytes()?;
    let headers: Vec<_> = input.headers.iter().map(HeaderView::to_header).collect();
    let now_unix = input.now_unix.unwrap_or_else(|| state.engine.now_ms() / 1000);
    let config = VerifyConfig { scheme: input.scheme, secrets: input.secrets, tolerance_secs: input.tolerance_secs };
    let request = VerifyRequest { method: &input.method, url: &input.url, headers: &headers, body: &body, now_unix };
    let verdict = signature::verify(&config, &request);
    let detected = signature::detect(&headers, &body);
    Ok(Json(VerifyOutput { verdict, detected }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInput {
    #[schema(value_type = Object)]
    pub scheme: Scheme,
    /// The signing secret (or private key for Ed25519/ECDSA schemes).
    pub secret: String,
    #[serde(default = "default_method")]
    pub method: String,
    #[serde(default)]
    pub url: String,
    #[serde(flatten)]
    pub body: PastedBody,
    /// Unix seconds; default: now.
    #[serde(default)]
    pub timestamp: Option<i64>,
    /// The message id for schemes that sign one (Standard Webhooks); default: a fresh one.
    #[serde(default)]
    pub id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignOutput {
    /// The headers the provider would send.
    pub headers: Vec<HeaderView>,
    /// The body to send, base64 (for schemes that sign inside the body, e.g. Mailgun; else the input body).
    pub body_base64: String,
}

#[utoipa::path(post, path = "/api/sign", tag = "signatures", request_body = SignInput,
    responses((status = 200, body = SignOutput), (status = 422, body = ErrorBody)))]
pub async fn sign(
    State(state): State<AppState>,
    input: Result<Json<SignInput>, JsonRejection>,
) -> Result<Json<SignOutput>, ApiError> {
    let Json(input) = input.map_err(ApiError::from_json)?;
    let body = input.body.bytes()?;
    let timestamp = input.timestamp.unwrap_or_else(|| state.engine.now_ms() / 1000);
    let id = input.id.unwrap_or_else(|| format!("msg_{}", &crate::server::new_token()[..24]));
    let request = SignRequest { method: &input.method, url: &input.url, body: &body, timestamp, id: &id };
    let signed = signature::sign(&input.scheme, &input.secret, &request)
        .map_err(|e| ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "cannot_sign", e.to_string()))?;
    Ok(Json(SignOutput {
        headers: signed.headers.iter().map(HeaderView::from).collect(),
        body_base64: BASE64.encode(signed.body.as_deref().unwrap_or(&body)),
    }))
}
