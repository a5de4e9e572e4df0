//! The sender: destinations, the outbox of events, and the manual actions on them. The scheduler
//! (`scheduler.rs`) finds due events and admits them past breaker and limits; `attempt.rs` sends
//! one attempt and decides what follows.

mod attempt;
mod scheduler;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use hookbench_domain::Timestamp;
use hookbench_domain::breaker::BreakerState;
use hookbench_domain::outbox::{
    Destination, DestinationId, DestinationInput, DestinationRef, EventDetail, EventFilter, EventId, EventInput,
    EventOrigin, EventPage, EventState, EventSummary, NewEvent, target_key,
};
use hookbench_domain::ratelimit::TokenBucket;
use hookbench_domain::retry::planned_attempts;
use hookbench_domain::signature::{SignRequest, sign};
use rand::Rng;
use serde::Serialize;
use utoipa::ToSchema;

use hookbench_domain::outbox::{BatchId, DeliverySettings};
use hookbench_domain::replay::{Edited, Original, RequestEdit};

use crate::timer::Timer;
use crate::{Engine, EngineError, LiveEvent};

pub(crate) use scheduler::spawn;

/// What the sender keeps in memory: the scheduler's wake-up signal and, per target, the circuit
/// breaker (also saved on every change of phase, and loaded on start), the token bucket and the
/// attempts in flight.
pub(crate) struct Outbound {
    timer: Arc<dyn Timer>,
    wake: tokio::sync::Notify,
    wakeups: AtomicU64,
    /// The last due read found events waiting behind targets without room: the next one starts
    /// target by target.
    backlog: AtomicBool,
    targets: Mutex<HashMap<String, Target>>,
    http: reqwest::Client,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    batches: tokio::sync::Notify,
}

#[derive(Default)]
struct Target {
    breaker: BreakerState,
    bucket: Option<TokenBucket>,
    /// The rate the bucket was made for, to notice a changed limit.
    bucket_rate: Option<(u64, u32)>,
    /// The next free slot for a rate-limited event, so a waiting crowd is spread out, not re-queued together.
    next_slot: Timestamp,
    in_flight: u32,
    max_in_flight: Option<u32>,
    /// Events the open circuit deferred: due at once when a probe closes it.
    deferred: std::collections::HashSet<EventId>,
}

impl Outbound {
    pub(crate) fn new(timer: Arc<dyn Timer>) -> Result<Self, EngineError> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("hookbench/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| EngineError::Invalid(vec![format!("cannot build the HTTP client: {e}")]))?;
        Ok(Self {
            timer,
            wake: tokio::sync::Notify::new(),
            wakeups: AtomicU64::new(0),
            backlog: AtomicBool::new(false),
            targets: Mutex::new(HashMap::new()),
            http,
            task: Mutex::new(None),
            batches: tokio::sync::Notify::new(),
        })
    }

    /// Every target's breaker phase as a word: `closed`, `open` or `half_open`.
    pub(crate) fn breaker_phases(&self) -> HashMap<String, &'static str> {
        use hookbench_domain::breaker::Phase;
        let targets = self.targets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        targets
            .iter()
            .map(|(key, t)| {
                let word = match t.breaker.phase {
                    Phase::Closed { .. } => "closed",
                    Phase::Open { .. } => "open",
                    Phase::HalfOpen { .. } => "half_open",
                };
                (key.clone(), word)
            })
            .collect()
    }

    pub(crate) fn timer(&self) -> &Arc<dyn Timer> {
        &self.timer
    }

    /// Tells bulk replays that one of them was paused, resumed or cancelled.
    pub(crate) fn batches_changed(&self) -> &tokio::sync::Notify {
        &self.batches
    }

    /// Tells the scheduler something changed (a new event, a finished attempt, a manual action).
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn stop(&self) {
        if let Some(task) = self.task.lock().ok().and_then(|mut t| t.take()) {
            task.abort();
        }
    }
}

/// Where an event comes from and how it is sent, beyond its input.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Link {
    pub origin: hookbench_domain::outbox::EventOrigin,
    pub capture_id: Option<hookbench_domain::CaptureId>,
    pub resent_from: Option<EventId>,
    pub batch_id: Option<BatchId>,
    /// Send the headers and body exactly as given: no signing, no destination headers, nothing added.
    pub exact: bool,
    /// Refuse when there is nothing to sign with (a re-signed replay).
    pub must_sign: bool,
}

/// Dead letters: counts per destination and the newest of them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadLetters {
    pub counts: Vec<hookbench_domain::outbox::DeadLetterCount>,
    pub items: Vec<EventSummary>,
    pub next_cursor: Option<EventId>,
}

impl Engine {
    /// How many times the scheduler has woken up: its idle cost, for tests and diagnostics.
    pub fn scheduler_wakeups(&self) -> u64 {
        self.outbound.wakeups.load(Ordering::SeqCst)
    }

    pub async fn list_destinations(&self) -> Result<Vec<Destination>, EngineError> {
        Ok(self.store.list_destinations().await?)
    }

    pub async fn get_destination(&self, id: DestinationId) -> Result<Option<Destination>, EngineError> {
        Ok(self.store.get_destination(id).await?)
    }

    pub async fn create_destination(&self, input: DestinationInput) -> Result<Destination, EngineError> {
        let input = input.validated().map_err(EngineError::Invalid)?;
        check_signing(&input.settings)?;
        let created = self.store.create_destination(input, self.now_ms()).await?;
        self.bus.publish(LiveEvent::DestinationsChanged {});
        Ok(created)
    }

    pub async fn update_destination(
        &self,
        id: DestinationId,
        input: DestinationInput,
    ) -> Result<Option<Destination>, EngineError> {
        let input = input.validated().map_err(EngineError::Invalid)?;
        check_signing(&input.settings)?;
        let updated = self.store.update_destination(id, input, self.now_ms()).await?;
        if updated.is_some() {
            self.bus.publish(LiveEvent::DestinationsChanged {});
        }
        Ok(updated)
    }

    pub async fn delete_destination(&self, id: DestinationId) -> Result<bool, EngineError> {
        let deleted = self.store.delete_destination(id).await?;
        if deleted {
            self.bus.publish(LiveEvent::DestinationsChanged {});
        }
        Ok(deleted)
    }

    async fn find_destination(&self, named: &DestinationRef) -> Result<Destination, EngineError> {
        let found = match named {
            DestinationRef::Id(id) => self.store.get_destination(*id).await?,
            DestinationRef::Name(name) => match name.parse::<DestinationId>() {
                Ok(id) => self.store.get_destination(id).await?,
                Err(_) => self.store.find_destination(name.clone()).await?,
            },
        };
        let shown = match named {
            DestinationRef::Id(id) => id.to_string(),
            DestinationRef::Name(name) => format!("'{name}'"),
        };
        found.ok_or_else(|| EngineError::Invalid(vec![format!("destination: no destination {shown}")]))
    }

    /// Puts an event in the outbox (committed before any attempt) and wakes the scheduler.
    pub async fn send_event(&self, input: EventInput) -> Result<hookbench_domain::outbox::Event, EngineError> {
        self.enqueue(input, Link::default()).await
    }

    /// Resolves an input against its destination, applies where it comes from, checks and stores it.
    pub(crate) async fn enqueue(
        &self,
        input: EventInput,
        link: Link,
    ) -> Result<hookbench_domain::outbox::Event, EngineError> {
        let event = self.prepare_event(input, link).await?;
        self.store_event(event).await
    }

    /// The event an input makes, checked, not yet stored.
    pub(crate) async fn prepare_event(&self, input: EventInput, link: Link) -> Result<NewEvent, EngineError> {
        let destination = match &input.destination {
            Some(named) => Some(self.find_destination(named).await?),
            None => None,
        };
        let mut resolved = input.resolve(destination.as_ref()).map_err(EngineError::Invalid)?;
        if link.exact {
            // As received: the request's own headers and nothing else, not even the destination's.
            resolved.settings.signing = None;
            resolved.settings.headers.clear();
        } else if link.must_sign && resolved.settings.signing.is_none() {
            return Err(EngineError::Invalid(vec![
                "secret: to re-sign, the destination needs a signing secret, or give scheme and secret".into(),
            ]));
        }
        check_signing(&resolved.settings)?;
        let destination_id = destination.map(|d| d.id);
        let event = NewEvent {
            destination_id,
            target_key: target_key(destination_id, &resolved.url),
            headers: resolved.headers,
            body: resolved.body,
            resent_from: link.resent_from,
            capture_id: link.capture_id,
            batch_id: link.batch_id,
            exact: link.exact,
            ..NewEvent::new(link.origin, resolved.url, self.new_idempotency_key(), resolved.settings)
        };
        Ok(event)
    }

    pub(crate) async fn store_event(&self, event: NewEvent) -> Result<hookbench_domain::outbox::Event, EngineError> {
        let stored = self.store.insert_event(event, self.now_ms()).await?;
        self.bus.publish(LiveEvent::EventCreated(stored.summary.clone()));
        self.outbound.wake();
        Ok(stored)
    }

    fn new_idempotency_key(&self) -> String {
        let bytes: [u8; 12] = self.rng.lock().unwrap_or_else(std::sync::PoisonError::into_inner).random();
        format!("msg_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
    }

    pub async fn list_events(&self, filter: EventFilter) -> Result<EventPage, EngineError> {
        Ok(self.store.list_events(filter).await?)
    }

    /// An event with its attempts, marks and the attempts its policy plans (real and scaled times).
    pub async fn get_event(&self, id: EventId) -> Result<Option<EventDetail>, EngineError> {
        let Some(event) = self.store.get_event(id).await? else { return Ok(None) };
        let (attempts, marks) = self.store.event_timeline(id).await?;
        let first = event.first_attempt_at.unwrap_or(event.summary.created_at);
        let time_scale = self.effective_scale(event.settings.time_scale);
        let plan = planned_attempts(&event.settings.retry, first, time_scale);
        Ok(Some(EventDetail { event, attempts, marks, plan, time_scale }))
    }

    /// Makes an event due now (retrying, dead or cancelled ones). `None` when there is no such event.
    pub async fn retry_event(&self, id: EventId) -> Result<Option<EventSummary>, EngineError> {
        let summary = self.store.retry_event_now(id, self.now_ms()).await?;
        if let Some(s) = &summary {
            self.bus.publish(LiveEvent::EventUpdated(s.clone()));
            self.outbound.wake();
        }
        Ok(summary)
    }

    pub async fn cancel_event(&self, id: EventId) -> Result<Option<EventSummary>, EngineError> {
        let summary = self.store.cancel_event(id, self.now_ms()).await?;
        if let Some(s) = &summary {
            self.bus.publish(LiveEvent::EventUpdated(s.clone()));
        }
        Ok(summary)
    }

    /// Sends an event's payload again as a new event (new id and idempotency key) linked to the old,
    /// edited first when asked (method, URL, the event's own headers, body). The old event is not changed.
    pub async fn resend_event(
        &self,
        id: EventId,
        edit: Option<RequestEdit>,
    ) -> Result<Option<hookbench_domain::outbox::Event>, EngineError> {
        let Some(event) = self.prepare_resend(id, edit.as_ref(), None).await? else { return Ok(None) };
        let stored = self.store_event(event).await?;
        let how = if edit.is_some() { "edited and resent" } else { "resent" };
        let text = format!("{how} as event {}", stored.summary.id);
        self.store.add_event_mark(id, self.now_ms(), "resent", text).await?;
        Ok(Some(stored))
    }

    /// The new event a resend of `id` makes, checked, not yet stored.
    pub(crate) async fn prepare_resend(
        &self,
        id: EventId,
        edit: Option<&RequestEdit>,
        batch_id: Option<BatchId>,
    ) -> Result<Option<NewEvent>, EngineError> {
        let Some(old) = self.store.get_event(id).await? else { return Ok(None) };
        let original = Original {
            method: old.settings.method.clone(),
            headers: old.headers,
            body: base64_decode(&old.body_base64),
        };
        let edited = match edit {
            Some(edit) => edit.apply(&original).map_err(EngineError::Invalid)?,
            None => Edited { method: original.method, url: None, headers: original.headers, body: original.body },
        };
        let mut settings = old.settings;
        settings.method = edited.method;
        let url = edited.url.unwrap_or(old.summary.url);
        let mut problems = DeliverySettings { headers: edited.headers.clone(), ..settings.clone() }.validate();
        if let Err(e) = hookbench_domain::outbox::validate_url("edit.url", &url) {
            problems.push(e);
        }
        if !problems.is_empty() {
            return Err(EngineError::Invalid(problems));
        }
        let event = NewEvent {
            destination_id: old.summary.destination_id,
            target_key: target_key(old.summary.destination_id, &url),
            headers: edited.headers,
            body: edited.body,
            resent_from: Some(id),
            capture_id: old.summary.capture_id,
            batch_id,
            exact: old.exact,
            ..NewEvent::new(EventOrigin::Resend, url, self.new_idempotency_key(), settings)
        };
        Ok(Some(event))
    }

    /// Dead letters: counts per destination, and a page of them (newest first).
    pub async fn dead_letters(&self, mut filter: EventFilter) -> Result<DeadLetters, EngineError> {
        filter.state = Some(EventState::Dead);
        let counts = self.store.dead_letter_counts().await?;
        let page = self.store.list_events(filter).await?;
        Ok(DeadLetters { counts, items: page.items, next_cursor: page.next_cursor })
    }
}

/// Signs a sample once, so a secret the scheme cannot use is refused when it is given, not at
/// the first attempt.
fn check_signing(settings: &hookbench_domain::outbox::DeliverySettings) -> Result<(), EngineError> {
    let Some(signing) = &settings.signing else { return Ok(()) };
    let Some(secret) = signing.secrets.first() else { return Ok(()) };
    let sample = SignRequest { method: "POST", url: "http://localhost/", body: b"{}", timestamp: 0, id: "msg_check" };
    sign(&signing.scheme, secret, &sample)
        .map(|_| ())
        .map_err(|e| EngineError::Invalid(vec![format!("secret: cannot sign with it ({}): {e}", signing.scheme.id())]))
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).unwrap_or_default()
}
