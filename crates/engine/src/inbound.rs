//! The inbound pipeline: route → verify → dedupe → faults → decide the answer → commit → publish.
//!
//! The answer is decided before the commit and recorded with the capture (what the client was told,
//! or that it was told nothing); parts that need the capture id (`{{capture.id}}`) and a duplicate's
//! answer (which depends on the first copy, known race-free only inside the store) are settled from
//! what committed. Nothing is sent before the commit.

use bytes::Bytes;
use hookbench_domain::dedupe::DuplicateResponse;
use hookbench_domain::endpoint::{DEFAULT_ENDPOINT_ID, Endpoint, SignatureMode, route};
use hookbench_domain::fault::{FaultAction, FaultRequest, Trickle, decide};
use hookbench_domain::response::{RenderContext, RequestView, choose_response};
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

/// What the receiver does with the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundAction {
    /// Answer with `status`, `headers` and `body`, `delay_ms` later, trickled if asked.
    Respond,
    /// Say nothing for `ms` (or until the client leaves), then close the connection.
    Hold { ms: u64 },
    /// Reset the connection, `delay_ms` later, with no answer.
    Reset { delay_ms: u64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct InboundResponse {
    pub action: InboundAction,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub delay_ms: u64,
    pub trickle: Option<Trickle>,
}

impl InboundResponse {
    pub(crate) fn json(status: u16, value: serde_json::Value) -> Self {
        Self {
            action: InboundAction::Respond,
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Bytes::from(value.to_string()),
            delay_ms: 0,
            trickle: None,
        }
    }

    /// The body parsed as JSON (`Null` when it is not JSON).
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// What was decided before the commit.
// One short-lived value per request, never stored or moved around: boxing the big variant buys nothing.
#[allow(clippy::large_enum_variant)]
enum Plan {
    TooLarge,
    Fault { action: FaultAction },
    SignatureRefused,
    Rules { rule: Option<(usize, String)>, status: u16, extra_delay_ms: u64, trickle: Option<Trickle> },
}

impl Engine {
    /// Runs a request through its endpoint's checks and faults, commits it, then says what to do.
    pub async fn receive(&self, req: InboundRequest) -> Result<(CaptureSummary, InboundResponse), EngineError> {
        let routing = self.routing_snapshot();
        let endpoint = route(&routing.endpoints, &req.path);
        let endpoint_id = endpoint.map_or(DEFAULT_ENDPOINT_ID, |e| e.id);
        let verdict = match (endpoint, &req.body) {
            (Some(endpoint), Some(body)) => check_signature(endpoint, &req, body, req.received_at / 1000),
            _ => None,
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
        let body_bytes: &[u8] = req.body.as_deref().unwrap_or(&[]);
        let view = RequestView {
            method: &req.method,
            path: &req.path,
            query: req.query.as_deref(),
            headers: &req.headers,
            body: body_bytes,
        };

        let mut faults = Vec::new();
        let enforce = endpoint.is_some_and(|e| e.settings.signature_mode == SignatureMode::Enforce);
        let plan = if req.body.is_none() {
            Plan::TooLarge
        } else {
            let decision = match endpoint.filter(|e| !e.settings.faults.is_empty()) {
                Some(e) => {
                    let request =
                        FaultRequest { request: view, idempotency_key: dedupe.as_ref().map(|d| d.key.as_str()) };
                    let mut states = self.fault_states.lock().unwrap_or_else(|p| p.into_inner());
                    let state = states.entry(e.id).or_default();
                    Some(decide(&e.settings.faults, state, &request, self.now_ms()))
                }
                None => None,
            };
            if let Some(decision) = &decision {
                faults = decision.applied.iter().map(|a| a.description.clone()).collect();
            }
            match decision.map(|d| d.action) {
                Some(
                    action @ (FaultAction::Respond { .. }
                    | FaultAction::Hold { .. }
                    | FaultAction::Reset { .. }
                    | FaultAction::Refuse),
                ) => Plan::Fault { action },
                pass => {
                    let (extra_delay_ms, trickle) = match pass {
                        Some(FaultAction::Pass { delay_ms, trickle }) => (delay_ms, trickle),
                        _ => (0, None),
                    };
                    if enforce && verdict.as_ref().is_some_and(|v| !v.valid) {
                        Plan::SignatureRefused
                    } else {
                        let chosen = routing.responses.get(&endpoint_id).map(|r| choose_response(r, &view));
                        let status = chosen.map_or(200, |c| c.template.status);
                        let rule = chosen.and_then(|c| c.rule).map(|(i, name)| (i, name.to_owned()));
                        Plan::Rules { rule, status, extra_delay_ms, trickle }
                    }
                }
            }
        };
        let (status, note) = match &plan {
            Plan::TooLarge => (413, None),
            Plan::Fault { action: FaultAction::Respond { status, .. } } => (*status, None),
            Plan::Fault { action: FaultAction::Hold { ms } } => {
                (0, Some(format!("held {} s without answering, then closed", ms / 1000)))
            }
            Plan::Fault { action: FaultAction::Reset { .. } | FaultAction::Refuse } => {
                (0, Some("connection reset, no answer".to_owned()))
            }
            Plan::Fault { action: FaultAction::Pass { .. } } => (200, None),
            Plan::SignatureRefused => (401, None),
            Plan::Rules { rule, status, .. } => {
                (*status, rule.as_ref().map(|(i, name)| format!("rule {} '{name}'", i + 1)))
            }
        };

        let limit = self.config.max_body_bytes;
        let capture = NewCapture {
            received_at: req.received_at,
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            url: req.url.clone(),
            http_version: req.http_version.clone(),
            remote_addr: req.remote_addr.clone(),
            headers: req.headers.clone(),
            content_type: req.content_type.clone(),
            body: req.body.clone(),
            body_size: req.body_size,
            response_status: status,
            endpoint_id,
            verdict_valid: verdict.as_ref().map(|v| v.valid),
            verdict_json: verdict.as_ref().and_then(|v| serde_json::to_string(v).ok()),
            dedupe: if matches!(plan, Plan::Rules { .. }) {
                dedupe
            } else {
                dedupe.map(|d| DedupeClaim { on_duplicate: DuplicateResponse::SameAsFirst, ..d })
            },
            faults,
            response_note: note,
        };
        let on_duplicate = capture.dedupe.as_ref().map(|d| d.on_duplicate);
        // Forwarded: what the sender was told was accepted (see `ForwardSettings`).
        let forward = match (&plan, endpoint) {
            (Plan::Rules { .. }, Some(e)) => self.forward_for(e, &req),
            (Plan::Fault { action: FaultAction::Respond { status, .. } }, Some(e)) if (200..300).contains(status) => {
                self.forward_for(e, &req)
            }
            _ => None,
        };
        let wait = forward.as_ref().and_then(|f| f.wait).filter(|_| matches!(plan, Plan::Rules { .. }));
        // Subscribed before the commit, so the forward's first attempt cannot finish unseen.
        let live = wait.map(|_| self.subscribe());
        let (mut summary, forwarded) = match forward {
            Some(forward) => self.record_forwarded(capture, forward.event).await?,
            None => (self.record(capture).await?, None),
        };
        let id = summary.id;
        if let (Some(timeout), Some(live), Some(event)) = (wait, live, &forwarded) {
            let response = self.answer_from_app(live, event, id, timeout).await;
            summary.response_status = response.status;
            return Ok((summary, response));
        }

        let response = match plan {
            Plan::TooLarge => InboundResponse::json(
                413,
                json!({
                    "code": "body_too_large",
                    "message": format!("the request body is {} bytes; this receiver stores at most {limit} bytes", summary.body_size),
                    "limit_bytes": limit,
                    "capture_id": id,
                }),
            ),
            Plan::SignatureRefused => InboundResponse::json(
                401,
                json!({
                    "code": "signature_invalid",
                    "message": verdict.as_ref().and_then(|v| v.reason.as_ref()).map_or("the signature is invalid".into(), |r| r.message.clone()),
                    "capture_id": id,
                }),
            ),
            Plan::Fault { action } => fault_response(action),
            Plan::Rules { rule, extra_delay_ms, trickle, .. } => {
                match (summary.response_status, summary.duplicate_of, on_duplicate) {
                    (409, Some(first), _) => InboundResponse::json(
                        409,
                        json!({
                            "code": "duplicate",
                            "message": format!("this request repeats capture {first} (same idempotency key)"),
                            "capture_id": id,
                            "duplicate_of": first,
                        }),
                    ),
                    (_, Some(first), Some(DuplicateResponse::OkDuplicate)) => InboundResponse::json(
                        200,
                        json!({"ok": true, "duplicate": true, "capture_id": id, "duplicate_of": first}),
                    ),
                    (status, _, _) => {
                        let mut response = self.render_rule(endpoint_id, rule.map(|(i, _)| i), &routing, &view, id);
                        response.status = status;
                        response.delay_ms = response.delay_ms.saturating_add(extra_delay_ms);
                        response.trickle = trickle;
                        response
                    }
                }
            }
        };
        Ok((summary, response))
    }

    fn render_rule(
        &self,
        endpoint_id: i64,
        rule: Option<usize>,
        routing: &crate::Routing,
        view: &RequestView<'_>,
        capture_id: i64,
    ) -> InboundResponse {
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        let mut ctx = RenderContext::new(*view, Some(capture_id), self.now_ms(), &mut *rng);
        let rendered = match routing.responses.get(&endpoint_id) {
            Some(compiled) => {
                let template = rule.and_then(|i| compiled.rules.get(i)).map_or(&compiled.default, |r| &r.respond);
                hookbench_domain::response::ResponsePlan { rule: None, template }.render(&mut ctx)
            }
            // Every endpoint has compiled responses; this is only reached for an endpoint deleted mid-request.
            None => return InboundResponse::json(200, json!({"ok": true, "capture_id": capture_id})),
        };
        InboundResponse {
            action: InboundAction::Respond,
            status: rendered.status,
            headers: rendered.headers.into_iter().map(|h| (h.name, h.value)).collect(),
            body: Bytes::from(rendered.body),
            delay_ms: rendered.delay_ms,
            trickle: None,
        }
    }
}

fn fault_response(action: FaultAction) -> InboundResponse {
    match action {
        FaultAction::Respond { status, headers, body, delay_ms, trickle } => InboundResponse {
            action: InboundAction::Respond,
            status,
            headers: headers.into_iter().map(|h| (h.name, h.value)).collect(),
            body: Bytes::from(body),
            delay_ms,
            trickle,
        },
        FaultAction::Hold { ms } => silent(InboundAction::Hold { ms }),
        FaultAction::Reset { delay_ms } => silent(InboundAction::Reset { delay_ms }),
        // A connection that got this far was accepted before the listener went off: reset it.
        FaultAction::Refuse => silent(InboundAction::Reset { delay_ms: 0 }),
        FaultAction::Pass { .. } => InboundResponse::json(200, json!({"ok": true})),
    }
}

fn silent(action: InboundAction) -> InboundResponse {
    InboundResponse { action, status: 0, headers: Vec::new(), body: Bytes::new(), delay_ms: 0, trickle: None }
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
