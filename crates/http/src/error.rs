//! API errors: `{code, message}` with a stable `code` the UI can branch on.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hookbench_engine::EngineError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `not_found`, `unauthorized`.
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", what)
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
}

impl ApiError {
    /// A JSON body that could not be read: syntax (400) or shape (422), with serde's pointer to where.
    pub fn from_json(rejection: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection as R;
        match rejection {
            R::JsonDataError(e) => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", e.body_text()),
            R::JsonSyntaxError(e) => Self::new(StatusCode::BAD_REQUEST, "invalid_json", e.body_text()),
            R::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content_type",
                "send the body as JSON with Content-Type: application/json",
            ),
            other => Self::new(StatusCode::BAD_REQUEST, "bad_request", other.body_text()),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        use hookbench_store::StoreError;
        match &e {
            EngineError::Invalid(problems) => {
                return Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", problems.join("; "));
            }
            EngineError::Store(StoreError::Conflict(m)) => {
                return Self::new(StatusCode::CONFLICT, "conflict", m.clone());
            }
            EngineError::Store(StoreError::Invalid(m)) => {
                return Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", m.clone());
            }
            _ => {}
        }
        if e.is_transient() {
            Self::new(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", e.to_string())
        } else {
            tracing::error!(error = %e, "control API request failed");
            Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorBody { code: self.code.to_owned(), message: self.message })).into_response()
    }
}
