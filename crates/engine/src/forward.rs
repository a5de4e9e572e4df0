//! Forwarding an endpoint's captures to a local app through the outbox (like `stripe listen
//! --forward-to`, but retried), the `wait` answer, and the hold-and-release gate.
//!
//! The forward event is built before the commit and stored in the capture's own transaction
//! (`Store::insert_capture_forwarded`), so a capture its sender saw acknowledged always has its
//! forward, even across a `kill -9`. What is forwarded is decided in `inbound.rs` (see
//! `ForwardSettings`): not duplicates, not bodies over the limit, not requests that were refused.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use hookbench_domain::capture::HeaderView;
use hookbench_domain::endpoint::{Endpoint, EndpointId, ForwardSettings};
use hookbench_domain::outbox::{
    Attempt, DeliverySettings, Event, EventId, EventOrigin, EventState, EventSummary, NewEvent, target_key,
};
use hookbench_domain::replay::{Original, ReplayMode, RequestEdit, is_hop_by_hop, replay_headers};
use hookbench_domain::retry::ErrorClass;
use hookbench_domain::{CaptureId, NewCapture, StoredCapture};
use hookbench_store::HeldEdit;
use serde_json::json;
use tokio::sync::broadcast;

use crate::inbound::{InboundAction, InboundRequest, InboundResponse};
use crate::{Engine, EngineError, LiveEvent, LiveMessage};

/// A forward event ready to be stored with its capture, and how the receiver answers.
pub(crate) struct Forward {
    pub(crate) event: NewEvent,
    /// `Some(timeout)`: answer with the app's reply to the first attempt, waiting at most this.
    pub(crate) wait: Option<Duration>,
}

impl Engine {
    /// The event that forwards `req` to the endpoint's app, exactly as received (method, headers
    /// in order with repeats, body bytes), hop-by-hop headers dropped. `None` without a body.
    pub(crate) fn forward_for(&self, endpoint: &Endpoint, req: &InboundRequest) -> Option<Forward> {
        let settings: &ForwardSettings = endpoint.settings.forward.as_ref()?;
        let body = req.body.as_ref()?;
        let url = settings.target_url(&endpoint.path_prefix, &req.path, req.query.as_deref());
        let headers: Vec<HeaderView> = req.headers.iter().map(HeaderView::from).collect();
        let delivery = DeliverySettings {
            method: req.method.clone(),
            timeout_ms: settings.timeout_ms,
            retry: settings.policy.clone(),
            ..DeliverySettings::default()
        };
        let event = NewEvent {
            headers: replay_headers(&headers, ReplayMode::AsReceived),
            body: body.to_vec(),
            exact: true,
            held: settings.hold,
            ..NewEvent::new(EventOrigin::Forward, url, self.new_forward_key(), delivery)
        };
        let wait = (settings.wait && !settings.hold).then(|| Duration::from_millis(settings.timeout_ms));
        Some(Forward { event, wait })
    }

    fn new_forward_key(&self) -> String {
        use rand::Rng as _;
        let bytes: [u8; 12] = self.rng.lock().unwrap_or_else(std::sync::PoisonError::into_inner).random();
        format!("fwd_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
    }

    /// Commits a capture with its forward event (one transaction), then tells live subscribers
    /// and wakes the scheduler. The event is `None` when the capture is a duplicate.
    pub(crate) async fn record_forwarded(
        &self,
        capture: NewCapture,
        forward: NewEvent,
    ) -> Result<(hookbench_domain::CaptureSummary, Option<Event>), EngineError> {
        let placeholder = StoredCapture { id: 0, duplicate_of: None, response_status: capture.response_status };
        let mut summary = capture.summary(placeholder);
        let (stored, event) = self.store.insert_capture_forwarded(capture, Some(forward), self.now_ms()).await?;
        summary.id = stored.id;
        summary.duplicate_of = stored.duplicate_of;
        summary.response_status = stored.response_status;
        self.bus.publish(LiveEvent::CaptureCreated(summary.clone()));
        if let Some(event) = &event {
            self.bus.publish(LiveEvent::EventCreated(event.summary.clone()));
            if event.summary.state != EventState::Held {
                self.outbound.wake();
            }
        }
        Ok((summary, event))
    }

    /// Waits (at most `timeout`, real time) for the first attempt of `event` and answers with the
    /// app's reply, or 504/502 with a JSON reason. The event keeps retrying either way. `live`
    /// was subscribed before the event was committed, so its first attempt cannot be missed.
    pub(crate) async fn answer_from_app(
        &self,
        mut live: broadcast::Receiver<LiveMessage>,
        event: &Event,
        capture_id: CaptureId,
        timeout: Duration,
    ) -> InboundResponse {
        let id = event.summary.id;
        let first = tokio::time::timeout(timeout, async {
            loop {
                match live.recv().await {
                    Ok(LiveMessage { event: LiveEvent::AttemptFinished(a), .. }) if a.event_id == id => return Some(a),
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        if let Ok(Some(detail)) = self.get_event(id).await
                            && let Some(a) = detail.attempts.into_iter().find(|a| a.finished_at.is_some())
                        {
                            return Some(a);
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
        .await;
        let url = &event.summary.url;
        let (response, note) = match first {
            Ok(Some(attempt)) => app_answer(&attempt, url, id, capture_id),
            _ => {
                let ms = timeout.as_millis();
                let response = InboundResponse::json(
                    504,
                    json!({
                        "code": "forward_timeout",
                        "message": format!("the app at {url} did not answer within {ms} ms; event {id} keeps retrying in the background"),
                        "capture_id": capture_id,
                        "event_id": id,
                    }),
                );
                (response, format!("forward event {id}: no answer from the app within {ms} ms"))
            }
        };
        if let Err(e) = self.store.set_capture_response(capture_id, response.status, note).await {
            tracing::warn!(capture = capture_id, error = %e, "cannot record the forwarded answer");
        }
        response
    }

    /// The held forward events of an endpoint's captures, oldest first.
    pub async fn held_events(&self, endpoint_id: EndpointId) -> Result<Vec<EventSummary>, EngineError> {
        Ok(self.store.held_events(endpoint_id).await?)
    }

    /// Releases a held event, optionally edited first (method, URL, headers, body; the capture never
    /// changes): `pending`, due now. `None`: no such event; a `409` when it is not held; a `422`
    /// naming the field when the edit is invalid.
    pub async fn release_event(
        &self,
        id: EventId,
        edit: Option<RequestEdit>,
    ) -> Result<Option<EventSummary>, EngineError> {
        let Some(event) = self.store.get_event(id).await? else { return Ok(None) };
        if event.summary.state != EventState::Held {
            return Err(hookbench_store::StoreError::Conflict(format!(
                "event {id} is {}, not held: only held events are released",
                event.summary.state.as_str()
            ))
            .into());
        }
        let edit = match edit {
            Some(edit) => Some(held_edit(&event, &edit).map_err(EngineError::Invalid)?),
            None => None,
        };
        let summary = self.store.release_held(id, edit, self.now_ms()).await?;
        if let Some(s) = &summary {
            self.bus.publish(LiveEvent::EventUpdated(s.clone()));
            self.outbound.wake();
        }
        Ok(summary)
    }

    /// Releases every held forward event of an endpoint, oldest first; returns them.
    pub async fn release_endpoint(&self, endpoint_id: EndpointId) -> Result<Vec<EventSummary>, EngineError> {
        let released = self.store.release_all_held(endpoint_id, self.now_ms()).await?;
        for s in &released {
            self.bus.publish(LiveEvent::EventUpdated(s.clone()));
        }
        if !released.is_empty() {
            self.outbound.wake();
        }
        Ok(released)
    }
}

/// The edit applied to the held event's request, with what changed for its timeline.
fn held_edit(event: &Event, edit: &RequestEdit) -> Result<HeldEdit, Vec<String>> {
    let original = Original {
        method: event.settings.method.clone(),
        headers: event.headers.clone(),
        body: BASE64.decode(&event.body_base64).unwrap_or_default(),
    };
    let edited = edit.apply(&original)?;
    let url = edited.url.unwrap_or_else(|| event.summary.url.clone());
    let mut changed = Vec::new();
    if edited.method != original.method {
        changed.push("method");
    }
    if url != event.summary.url {
        changed.push("url");
    }
    if edited.headers != original.headers {
        changed.push("headers");
    }
    if edited.body != original.body {
        changed.push("body");
    }
    let changed = if changed.is_empty() { "nothing changed".to_owned() } else { changed.join(", ") };
    Ok(HeldEdit {
        method: edited.method,
        target_key: target_key(None, &url),
        url,
        headers: edited.headers,
        body: edited.body,
        changed,
    })
}

/// The receiver's answer from the app's answer to the first attempt, and the note for the capture.
fn app_answer(attempt: &Attempt, url: &str, event_id: EventId, capture_id: CaptureId) -> (InboundResponse, String) {
    if let Some(res) = &attempt.response {
        let headers =
            res.headers.iter().filter(|h| !is_hop_by_hop(&h.name)).map(|h| (h.name.clone(), h.value.clone())).collect();
        let response = InboundResponse {
            action: InboundAction::Respond,
            status: res.status,
            headers,
            body: Bytes::from(BASE64.decode(&res.body_base64).unwrap_or_default()),
            delay_ms: 0,
            trickle: None,
        };
        return (response, format!("the app's answer (forward event {event_id})"));
    }
    let reason = attempt.error.clone().unwrap_or_else(|| "the attempt could not be made".to_owned());
    let (status, code) = if attempt.error_class == Some(ErrorClass::Timeout) {
        (504, "forward_timeout")
    } else {
        (502, "forward_failed")
    };
    let response = InboundResponse::json(
        status,
        json!({
            "code": code,
            "message": format!("forwarding to {url} failed: {reason}; event {event_id} keeps retrying in the background"),
            "capture_id": capture_id,
            "event_id": event_id,
        }),
    );
    (response, format!("forward event {event_id}: the app gave no answer ({reason})"))
}
