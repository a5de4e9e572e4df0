//! The inbound pipeline: route → verify → dedupe → decide the answer → commit → publish.
//!
//! The answer is decided from what was committed (a duplicate's answer depends on the first copy,
//! which only the store knows race-free), and it is sent only after the commit.

use bytes::Bytes;
use hookbench_domain::endpoint::{DEFAULT_ENDPOINT_ID, Endpoint, SignatureMode, route};
use hookbench_domain::signature::{Verdict, VerifyConfig, VerifyRequest, verify};
use hookbench_domain::{CaptureSummary, DedupeClaim, Header, NewCapture, Timestamp};
use serde_json::json;

use crate::{Engine, EngineError};

/// A request as the receiver read it.
#[derive(Debug, Clone)]
pub struct InboundRequest {
    pub received_at: Timestamp,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub url: String,
    pub http_version: String,
    pub remote_addr: String,
    pub headers: Vec<Header>,
    pub content_type: Option<String>,
    /// `None` when the body was over the limit.
    pub body: Option<Bytes>,
    pub body_size: u64,
}

/// What the receiver answers.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundResponse {
    pub status: u16,
    pub body: serde_json::Value,
}

impl Engine {
    /// Runs a request through its endpoint's checks, commits it, then says what to answer.
    pub async fn receive(&self, req: InboundRequest) -> Result<(CaptureSummary, InboundResponse), EngineError> {
        let endpoints = self.endpoints_snapshot();
        let endpoint = route(&endpoints, &req.path);
        let endpoint_id = endpoint.map_or(DEFAULT_ENDPOINT_ID, |e| e.id);
        let verdict = match (endpoint, &req.body) {
            (Some(endpoint), Some(body)) => check_signature(endpoint, &req, body, req.received_at / 1000),
            _ => None,
        };
        let enforce = endpoint.is_some_and(|e| e.settings.signature_mode == SignatureMode::Enforce);
        let status = match (&req.body, &verdict) {
            (None, _) => 413,
            (Some(_), Some(v)) if enforce && !v.valid => 401,
            _ => 200,
        };
        let dedupe = endpoint.and_then(|e| e.settings.dedupe.as_ref()).and_then(|settings| {
            let key = settings.source.key_of(&req.headers, req.body.as_deref())?;
            let ttl_ms = i64::try_from(settings.ttl_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
            Some(DedupeClaim {
                key,
                now: req.received_at,
                expires_at: req.received_at.saturating_add(ttl_ms),
                on_duplicate: settings.on_duplicate,
            })
        });
        let on_duplicate = dedupe.as_ref().map(|d| d.on_duplicate);
        let limit = self.config.max_body_bytes;
        let capture = NewCapture {
            received_at: req.received_at,
            method: req.method,
            path: req.path,
            query: req.query,
            url: req.url,
            http_version: req.http_version,
            remote_addr: req.remote_addr,
            headers: req.headers,
            content_type: req.content_type,
            body: req.body,
            body_size: req.body_size,
            response_status: status,
            endpoint_id,
            verdict_valid: verdict.as_ref().map(|v| v.valid),
            verdict_json: verdict.as_ref().and_then(|v| serde_json::to_string(v).ok()),
            dedupe,
        };
        let summary = self.record(capture).await?;
        let id = summary.id;
        let body = match (summary.response_status, summary.duplicate_of) {
            (413, _) => json!({
                "code": "body_too_large",
                "message": format!("the request body is {} bytes; this receiver stores at most {limit} bytes", summary.body_size),
                "limit_bytes": limit,
                "capture_id": id,
            }),
            (401, _) => json!({
                "code": "signature_invalid",
                "message": verdict.as_ref().and_then(|v| v.reason.as_ref()).map_or("the signature is invalid".into(), |r| r.message.clone()),
                "capture_id": id,
            }),
            (409, Some(first)) => json!({
                "code": "duplicate",
                "message": format!("this request repeats capture {first} (same idempotency key)"),
                "capture_id": id,
                "duplicate_of": first,
            }),
            (_, Some(first)) if on_duplicate == Some(hookbench_domain::dedupe::DuplicateResponse::OkDuplicate) => {
                json!({"ok": true, "duplicate": true, "capture_id": id, "duplicate_of": first})
            }
            _ => json!({"ok": true, "capture_id": id}),
        };
        let response = InboundResponse { status: summary.response_status, body };
        Ok((summary, response))
    }
}

fn check_signature(endpoint: &Endpoint, req: &InboundRequest, body: &[u8], now_unix: i64) -> Option<Verdict> {
    let settings = endpoint.settings.signature.as_ref()?;
    let config = VerifyConfig {
        scheme: settings.scheme.clone(),
        secrets: settings.secrets.clone(),
        tolerance_secs: settings.tolerance_secs,
    };
    let request = VerifyRequest { method: &req.method, url: &req.url, headers: &req.headers, body, now_unix };
    Some(verify(&config, &request))
}
