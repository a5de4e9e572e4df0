//! One attempt: sign afresh (new timestamp, the event's stable id), send with reqwest, record the
//! response (body capped at 64 KiB) or classify the failure, decide what follows with the retry
//! policy, and tell the target's circuit breaker.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookbench_domain::breaker::{BreakerState, Transition};
use hookbench_domain::capture::HeaderView;
use hookbench_domain::outbox::{
    Attempt, AttemptResponse, AttemptResult, AttemptState, DeliverySettings, EventId, EventSummary, MAX_RESPONSE_BODY,
    SentRequest,
};
use hookbench_domain::retry::{AttemptOutcome, ErrorClass, NextStep, OutcomeClass, RetryAfterValue, next_step};
use hookbench_domain::signature::{Scheme, SignRequest, sign};
use hookbench_domain::{Header, Timestamp};
use hookbench_store::{Claimed, DueEvent, Finish, SendableEvent};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::{Engine, LiveEvent};

/// An event on its way out: what its attempt needs once the event is claimed.
pub(super) struct Outgoing {
    pub summary: EventSummary,
    pub settings: Arc<DeliverySettings>,
    pub first_attempt_at: Option<Timestamp>,
}

/// The request as it will go out (headers, signature) and its body, or why it cannot be made.
pub(super) type Prepared = Result<(SentRequest, Vec<u8>), String>;

/// The request an admitted event will send, built before its claim so the in-flight attempt row
/// holds it. Signed with `now` as the timestamp.
pub(super) fn prepare(due: DueEvent, found: SendableEvent, now: Timestamp) -> (Outgoing, Prepared) {
    let outgoing = Outgoing { summary: found.summary, settings: due.settings, first_attempt_at: None };
    let prepared = build(&outgoing, found.headers, found.body, found.exact, now);
    (outgoing, prepared)
}

/// What the attempt row records as sent: the request, or for one that cannot be made the method
/// and URL alone.
pub(super) fn sent_request(outgoing: &Outgoing, prepared: &Prepared) -> SentRequest {
    match prepared {
        Ok((sent, _)) => sent.clone(),
        Err(_) => SentRequest {
            method: outgoing.settings.method.clone(),
            url: outgoing.summary.url.clone(),
            headers: Vec::new(),
        },
    }
}

/// Publishes a claimed event and its in-flight attempt, and runs the attempt in the background.
pub(super) fn launch(engine: &Arc<Engine>, mut outgoing: Outgoing, prepared: Prepared, claimed: Claimed) {
    outgoing.first_attempt_at = claimed.first_attempt_at;
    engine.bus.publish(LiveEvent::EventUpdated(claimed.summary));
    engine.bus.publish(LiveEvent::AttemptStarted(claimed.attempt.clone()));
    let body = prepared.map(|(_, body)| body);
    let engine = Arc::clone(engine);
    tokio::spawn(async move { run(engine, outgoing, claimed.attempt, body).await });
}

/// Headers in this order: the destination's, the event's, a content type if none was given, the
/// signature, and `Idempotency-Key` unless the scheme already carries the id (`webhook-id`, `svix-id`).
/// An `exact` event (a replay as received) sends its own headers and nothing more.
fn build(
    outgoing: &Outgoing,
    own_headers: Vec<HeaderView>,
    mut body: Vec<u8>,
    exact: bool,
    now: Timestamp,
) -> Prepared {
    let settings = &outgoing.settings;
    let url = &outgoing.summary.url;
    let mut headers: Vec<HeaderView> = Vec::with_capacity(settings.headers.len() + own_headers.len() + 3);
    headers.extend(settings.headers.iter().cloned());
    headers.extend(own_headers);
    if exact {
        return Ok((SentRequest { method: settings.method.clone(), url: url.clone(), headers }, body));
    }
    if !headers.iter().any(|h| h.name.eq_ignore_ascii_case("content-type")) {
        let json = serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok();
        let content_type = if json { "application/json" } else { "application/octet-stream" };
        headers.push(HeaderView { name: "Content-Type".into(), value: content_type.into(), value_base64: None });
    }
    let id = outgoing.summary.idempotency_key.as_str();
    let mut carries_id = false;
    if let Some(signing) = &settings.signing {
        let secret = signing.secrets.first().ok_or("signing.secrets is empty: nothing to sign with")?;
        let request = SignRequest { method: &settings.method, url, body: &body, timestamp: now.div_euclid(1_000), id };
        let signed = sign(&signing.scheme, secret, &request)
            .map_err(|e| format!("cannot sign with {}: {e}", signing.scheme.id()))?;
        headers.extend(signed.headers.iter().map(HeaderView::from));
        if let Some(signed_body) = signed.body {
            body = signed_body;
        }
        carries_id = matches!(signing.scheme, Scheme::StandardWebhooks | Scheme::Svix);
    }
    if !carries_id {
        headers.push(HeaderView { name: "Idempotency-Key".into(), value: id.to_owned(), value_base64: None });
    }
    Ok((SentRequest { method: settings.method.clone(), url: url.clone(), headers }, body))
}

async fn run(engine: Arc<Engine>, outgoing: Outgoing, attempt: Attempt, body: Result<Vec<u8>, String>) {
    let settings = &outgoing.settings;
    let (result, outcome) = match body {
        Ok(body) => send(&engine, &outgoing, &attempt.request, body, attempt.started_at).await,
        Err(reason) => {
            let now = engine.now_ms();
            let result = AttemptResult {
                finished_at: now,
                duration_ms: 0,
                response: None,
                error_class: None,
                error: Some(reason),
            };
            (result, None)
        }
    };
    let id = outgoing.summary.id;
    let next = match &outcome {
        Some(outcome) => {
            let mut rng = StdRng::seed_from_u64(jitter_seed(id, attempt.number));
            let first = outgoing.first_attempt_at.unwrap_or(attempt.started_at);
            next_step(
                &settings.retry,
                attempt.number,
                first,
                result.finished_at,
                outcome,
                engine.effective_scale(settings.time_scale),
                &mut rng,
            )
        }
        None => NextStep::GiveUp {
            because: format!("{}: dead letter", result.error.as_deref().unwrap_or("the attempt could not be made")),
        },
    };
    // Only failures worth a retry count against the target: a 400 means it is up and answering.
    let success = outcome.map(|o| !matches!(settings.retry.retry_on.classify(&o), OutcomeClass::Retryable(_)));
    let key = &outgoing.summary.target_key;
    let (breaker, deferred, state) = engine.release(key, success, result.finished_at);
    let breaker_state = state.map(|s| (key.clone(), s));
    // The attempt as the store will hold it once finished: published without reading it back.
    let finished = Attempt {
        state: AttemptState::Finished,
        finished_at: Some(result.finished_at),
        duration_ms: Some(result.duration_ms),
        response: result.response.clone(),
        error_class: result.error_class,
        error: result.error.clone(),
        next: Some(next.clone()),
        breaker: breaker.clone(),
        ..attempt
    };
    let finish = Finish { attempt_id: finished.id, result, next, breaker, breaker_state };
    match record_finish(&engine, finish).await {
        Ok(summary) => {
            let settled_batch = summary.batch_id.filter(|_| summary.state.is_final());
            engine.bus.publish(LiveEvent::EventUpdated(summary));
            engine.bus.publish(LiveEvent::AttemptFinished(finished));
            // A bulk replay's counts change as its events settle: say so, so the stream alone is enough.
            if let Some(batch) = settled_batch
                && let Ok(Some(batch)) = engine.store.get_batch(batch).await
            {
                engine.bus.publish(LiveEvent::BatchUpdated(batch));
            }
        }
        // The attempt stays in flight in the store; the next start records it as interrupted and retries.
        Err(e) => tracing::warn!(event = id, error = %e, "cannot record the end of an attempt"),
    }
    if !deferred.is_empty() {
        // The rate limit and in-flight cap still spread them out: closing is not a stampede.
        let now = engine.now_ms();
        if let Err(e) = engine.store.make_due(deferred, now, "circuit closed: due now").await {
            tracing::warn!(error = %e, "cannot make the events the circuit deferred due");
        }
    }
    engine.outbound.wake();
}

/// How long the end of an attempt is retried while the store cannot take it (locked, disk full).
const FINISH_RETRY_FOR: Duration = Duration::from_secs(600);

/// Records the end of an attempt. The result is still in memory, so while the store is only
/// unavailable for a while (another process holds the lock, the disk is full) it is tried again with
/// a growing pause instead of leaving the event `delivering` until the next start.
async fn record_finish(engine: &Engine, finish: Finish) -> Result<EventSummary, hookbench_store::StoreError> {
    let give_up = tokio::time::Instant::now() + FINISH_RETRY_FOR;
    let mut pause = Duration::from_millis(100);
    loop {
        match engine.store.finish_attempt_summary(finish.clone()).await {
            Err(e) if e.is_transient() && tokio::time::Instant::now() + pause < give_up => {
                tracing::warn!(attempt = finish.attempt_id, error = %e, retry_in = ?pause, "the store cannot record the end of an attempt yet");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(10));
            }
            other => return other,
        }
    }
}

/// The same event and attempt number always draw the same jitter, so a run can be replayed.
fn jitter_seed(event_id: i64, attempt: u32) -> u64 {
    (event_id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(attempt)
}

async fn send(
    engine: &Engine,
    outgoing: &Outgoing,
    sent: &SentRequest,
    body: Vec<u8>,
    started_at: Timestamp,
) -> (AttemptResult, Option<AttemptOutcome>) {
    let method = reqwest::Method::from_bytes(sent.method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let mut request = engine
        .outbound
        .http
        .request(method, &sent.url)
        .timeout(Duration::from_millis(outgoing.settings.timeout_ms))
        .body(body);
    for h in &sent.headers {
        // The exact bytes (a captured value need not be UTF-8); an unsendable one fails the attempt with a reason.
        let value = reqwest::header::HeaderValue::from_bytes(&h.to_header().value);
        match (reqwest::header::HeaderName::from_bytes(h.name.as_bytes()), value) {
            (Ok(name), Ok(value)) => request = request.header(name, value),
            _ => request = request.header(h.name.as_str(), h.value.as_str()),
        }
    }
    let mut result = AttemptResult { finished_at: 0, duration_ms: 0, response: None, error_class: None, error: None };
    let outcome = match request.send().await {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(n, v)| HeaderView::from(&Header::new(n.as_str(), v.as_bytes())))
                .collect();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| RetryAfterValue::parse(v, engine.now_ms()).ok());
            let (body, body_truncated, body_error) = read_capped(&mut response).await;
            result.response =
                Some(AttemptResponse { status, headers, body_base64: BASE64.encode(body), body_truncated });
            result.error = body_error.map(|e| format!("reading the response body: {}", describe(&e)));
            AttemptOutcome::Response { status, retry_after }
        }
        Err(e) => {
            let class = classify(&e);
            result.error_class = Some(class);
            result.error = Some(describe(&e));
            AttemptOutcome::Error { class }
        }
    };
    result.finished_at = engine.now_ms();
    result.duration_ms = u64::try_from(result.finished_at.saturating_sub(started_at)).unwrap_or(0);
    (result, Some(outcome))
}

/// Reads the body up to [`MAX_RESPONSE_BODY`]; the rest is not read (the connection is dropped).
async fn read_capped(response: &mut reqwest::Response) -> (Vec<u8>, bool, Option<reqwest::Error>) {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_RESPONSE_BODY - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    return (body, true, None);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return (body, false, None),
            Err(e) => return (body, false, Some(e)),
        }
    }
}

/// Why there was no response, from the error and its causes.
fn classify(error: &reqwest::Error) -> ErrorClass {
    if error.is_timeout() {
        return ErrorClass::Timeout;
    }
    let mut text = error.to_string().to_ascii_lowercase();
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::ConnectionRefused => return ErrorClass::ConnectRefused,
                K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                    return ErrorClass::Reset;
                }
                K::TimedOut => return ErrorClass::Timeout,
                _ => {}
            }
        }
        text.push_str(" | ");
        text.push_str(&cause.to_string().to_ascii_lowercase());
        source = cause.source();
    }
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if has(&["dns error", "failed to lookup address", "name or service not known", "no such host"]) {
        ErrorClass::Dns
    } else if has(&["certificate", "tls", "handshake", "invalid peer"]) {
        ErrorClass::Tls
    } else if has(&["connection refused"]) {
        ErrorClass::ConnectRefused
    } else if has(&["connection reset", "connection closed before message completed", "incomplete message"]) {
        ErrorClass::Reset
    } else {
        ErrorClass::Other
    }
}

/// The error with its causes, `outer: inner: innermost`.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

impl Engine {
    /// An attempt at `key` ended (or never started): one less in flight, and the breaker learns
    /// the result (`None`: nothing to learn). Returns the breaker's change of phase, if any, the
    /// events it had deferred when that change closed the circuit, and its state to save.
    pub(super) fn release(
        &self,
        key: &str,
        success: Option<bool>,
        now: Timestamp,
    ) -> (Option<Transition>, Vec<EventId>, Option<BreakerState>) {
        let mut targets = self.outbound.targets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(target) = targets.get_mut(key) else { return (None, Vec::new(), None) };
        target.in_flight = target.in_flight.saturating_sub(1);
        let transition = success.and_then(|ok| target.breaker.record(now, ok));
        let deferred = match transition {
            Some(Transition::Closed { .. }) => target.deferred.drain().collect(),
            _ => Vec::new(),
        };
        let state = transition.is_some().then(|| target.breaker.clone());
        (transition, deferred, state)
    }
}
