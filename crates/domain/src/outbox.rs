//! The sender's vocabulary: destinations (where events go and how), events in the outbox, their
//! attempts, and the marks a timeline draws between attempts. Pure data and validation.

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::Timestamp;
use crate::breaker::{BreakerConfig, Transition};
use crate::capture::CaptureId;
use crate::capture::HeaderView;
use crate::ratelimit::DeliveryLimits;
use crate::retry::{ErrorClass, NextStep, PRESET_IDS, PlannedAttempt, RetryPolicy, TimeScale};
use crate::signature::Scheme;

pub type DestinationId = i64;
pub type EventId = i64;
pub type AttemptId = i64;

/// Default request timeout of an attempt: 15 s.
pub const DEFAULT_TIMEOUT_MS: u64 = 15_000;
/// Largest response body kept with an attempt; the rest is dropped and `body_truncated` set.
pub const MAX_RESPONSE_BODY: usize = 64 * 1024;
/// Methods an event may be sent with.
const METHODS: [&str; 7] = ["POST", "PUT", "PATCH", "DELETE", "GET", "HEAD", "OPTIONS"];

/// A target URL with everything about how events reach it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Destination {
    pub id: DestinationId,
    pub name: String,
    pub url: String,
    #[serde(flatten)]
    pub settings: DeliverySettings,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// How an event is sent and retried. A destination has one; each event keeps a copy taken when
/// it was stored, so editing a destination never changes what an event already promised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeliverySettings {
    #[serde(default = "default_method")]
    pub method: String,
    /// Sent with every attempt, before the signature headers.
    #[serde(default)]
    pub headers: Vec<HeaderView>,
    /// `null` sends unsigned.
    #[serde(default)]
    pub signing: Option<Signing>,
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
    /// A full policy, or `{"preset":"svix"}` (see `GET /api/retry-presets`). Default: `standard`.
    #[serde(default, deserialize_with = "policy_or_preset")]
    #[schema(value_type = RetryPolicy)]
    pub retry: RetryPolicy,
    #[serde(default)]
    pub breaker: BreakerConfig,
    #[serde(default)]
    pub limits: DeliveryLimits,
    /// 1 is real time; 60 runs a one-hour delay in a minute (the timeline shows both).
    #[serde(default)]
    pub time_scale: TimeScale,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            method: default_method(),
            headers: Vec::new(),
            signing: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            retry: RetryPolicy::default(),
            breaker: BreakerConfig::default(),
            limits: DeliveryLimits::default(),
            time_scale: TimeScale::REAL,
        }
    }
}

fn default_method() -> String {
    "POST".to_owned()
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_MS
}

/// A retry policy written in full, or as a preset id (`"svix"` or `{"preset":"svix"}`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum PolicyChoice {
    Id(String),
    Preset { preset: String },
    Policy(Box<RetryPolicy>),
}

impl PolicyChoice {
    pub fn resolve(self) -> Result<RetryPolicy, String> {
        match self {
            PolicyChoice::Id(id) | PolicyChoice::Preset { preset: id } => RetryPolicy::preset(&id)
                .ok_or_else(|| format!("unknown retry preset '{id}'; one of {}", PRESET_IDS.join(", "))),
            PolicyChoice::Policy(policy) => Ok(*policy),
        }
    }
}

fn policy_or_preset<'de, D: Deserializer<'de>>(deserializer: D) -> Result<RetryPolicy, D::Error> {
    PolicyChoice::deserialize(deserializer)?.resolve().map_err(serde::de::Error::custom)
}

/// How each attempt is signed: afresh, with a new timestamp and the event's stable id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Signing {
    /// Standard Webhooks when left out; an id (`"stripe"`) or a scheme object (`{"kind":"stripe"}`).
    #[serde(default = "default_scheme", deserialize_with = "scheme_or_id")]
    pub scheme: Scheme,
    /// Newest first; attempts are signed with the first.
    pub secrets: Vec<String>,
}

fn default_scheme() -> Scheme {
    Scheme::StandardWebhooks
}

/// A scheme written as its id (`"standard-webhooks"`) or in full (`{"kind":"custom_hmac",…}`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum SchemeChoice {
    Id(String),
    Scheme(Scheme),
}

impl SchemeChoice {
    pub fn resolve(self) -> Result<Scheme, String> {
        match self {
            SchemeChoice::Id(id) => {
                Scheme::from_id(&id).ok_or_else(|| format!("unknown scheme '{id}'; see GET /api/schemes"))
            }
            SchemeChoice::Scheme(scheme) => Ok(scheme),
        }
    }
}

fn scheme_or_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Scheme, D::Error> {
    SchemeChoice::deserialize(deserializer)?.resolve().map_err(serde::de::Error::custom)
}

impl DeliverySettings {
    /// Every problem, each as `field: what is wrong`; the method is upper-cased.
    pub fn validate(&mut self) -> Vec<String> {
        let mut problems = Vec::new();
        self.method = self.method.trim().to_ascii_uppercase();
        if !METHODS.contains(&self.method.as_str()) {
            problems.push(format!("method: '{}' is not one of {}", self.method, METHODS.join(", ")));
        }
        for (i, h) in self.headers.iter().enumerate() {
            let token = !h.name.is_empty()
                && h.name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_!#$%&'*+.^`|~".contains(&b));
            if !token {
                problems.push(format!("headers[{i}].name: '{}' is not a header name", h.name));
            }
            if h.value.contains(['\r', '\n']) {
                problems.push(format!("headers[{i}].value: a header value cannot contain a line break"));
            }
        }
        if let Some(signing) = &mut self.signing {
            signing.secrets.retain(|s| !s.trim().is_empty());
            if signing.secrets.is_empty() {
                problems.push("signing.secrets: add the secret (or key) to sign with".to_owned());
            }
            if let Err(e) = signing.scheme.validate() {
                problems.push(format!("signing.scheme: {e}"));
            }
        }
        if !(100..=600_000).contains(&self.timeout_ms) {
            problems.push(format!("timeout_ms: {} must be between 100 and 600000 (10 min)", self.timeout_ms));
        }
        if let Err(retry) = self.retry.validate() {
            problems.extend(retry.into_iter().map(|p| format!("retry.{p}")));
        }
        problems.extend(self.breaker.problems("breaker"));
        problems.extend(self.limits.problems("limits"));
        if self.time_scale.factor() > 3600.0 {
            problems.push(format!("time_scale: {} is more than 3600", self.time_scale.factor()));
        }
        problems
    }
}

/// Checks an http(s) URL with a host; the error names `field`.
pub fn validate_url(field: &str, url: &str) -> Result<(), String> {
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
    match rest {
        None => Err(format!("{field}: '{url}' must start with http:// or https://")),
        Some(rest) if rest.split(['/', '?', '#']).next().is_none_or(str::is_empty) => {
            Err(format!("{field}: '{url}' has no host"))
        }
        Some(rest) if rest.chars().any(char::is_whitespace) => Err(format!("{field}: '{url}' contains spaces")),
        Some(_) => Ok(()),
    }
}

/// What a user sends to create or replace a destination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DestinationInput {
    pub name: String,
    pub url: String,
    #[serde(flatten)]
    pub settings: DeliverySettings,
}

impl DestinationInput {
    /// Checks the input and returns it tidied, or every problem found, each naming its field.
    pub fn validated(mut self) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() {
            problems.push("name: give the destination a name".to_owned());
        }
        self.url = self.url.trim().to_owned();
        if let Err(e) = validate_url("url", &self.url) {
            problems.push(e);
        }
        problems.extend(self.settings.validate());
        if problems.is_empty() { Ok(self) } else { Err(problems) }
    }
}

/// Where an event is in its life. `pending → delivering → delivered | retrying | dead`; `retrying`
/// goes back to `delivering` when due; `cancelled` is set by a person. `held` waits for a person to
/// release it (an endpoint forwarding with hold on), then becomes `pending`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventState {
    Pending,
    Delivering,
    Delivered,
    Retrying,
    Dead,
    Cancelled,
    Held,
}

impl EventState {
    pub const ALL: [EventState; 7] = [
        EventState::Held,
        EventState::Pending,
        EventState::Delivering,
        EventState::Delivered,
        EventState::Retrying,
        EventState::Dead,
        EventState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventState::Pending => "pending",
            EventState::Delivering => "delivering",
            EventState::Delivered => "delivered",
            EventState::Retrying => "retrying",
            EventState::Dead => "dead",
            EventState::Cancelled => "cancelled",
            EventState::Held => "held",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// No more attempts will be made unless a person asks.
    pub fn is_final(self) -> bool {
        matches!(self, EventState::Delivered | EventState::Dead | EventState::Cancelled)
    }
}

/// An event about to be stored in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub destination_id: Option<DestinationId>,
    pub url: String,
    pub idempotency_key: String,
    /// Extra headers of this event; the settings' headers come first.
    pub headers: Vec<HeaderView>,
    pub body: Vec<u8>,
    pub settings: DeliverySettings,
    /// Breaker, rate limit and concurrency are counted per target: `destination:ID` or the URL's origin.
    pub target_key: String,
    pub resent_from: Option<EventId>,
    pub origin: EventOrigin,
    /// The capture this event replays or forwards.
    pub capture_id: Option<CaptureId>,
    /// The bulk replay that made it.
    pub batch_id: Option<BatchId>,
    /// Sent exactly as stored: no id header is added (a replay "as received").
    pub exact: bool,
    /// `Held` waits for a release; anything else starts `pending`, due at once.
    pub held: bool,
}

impl NewEvent {
    /// An event of `origin` with nothing linked, due at once.
    pub fn new(origin: EventOrigin, url: String, idempotency_key: String, settings: DeliverySettings) -> Self {
        Self {
            destination_id: None,
            target_key: target_key(None, &url),
            url,
            idempotency_key,
            headers: Vec::new(),
            body: Vec::new(),
            settings,
            resent_from: None,
            origin,
            capture_id: None,
            batch_id: None,
            exact: false,
            held: false,
        }
    }
}

pub type BatchId = i64;

/// How an event came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventOrigin {
    /// `POST /api/events`, the composer, `hookbench send`.
    #[default]
    Send,
    /// Another event's payload sent again (`resent_from`), maybe edited.
    Resend,
    /// A capture replayed (`capture_id`), maybe edited or re-signed.
    Replay,
    /// A capture forwarded by its endpoint to a local app (`capture_id`).
    Forward,
}

impl EventOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            EventOrigin::Send => "send",
            EventOrigin::Resend => "resend",
            EventOrigin::Replay => "replay",
            EventOrigin::Forward => "forward",
        }
    }
    pub fn parse(text: &str) -> Self {
        match text {
            "resend" => EventOrigin::Resend,
            "replay" => EventOrigin::Replay,
            "forward" => EventOrigin::Forward,
            _ => EventOrigin::Send,
        }
    }
}

/// One event as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventSummary {
    pub id: EventId,
    pub destination_id: Option<DestinationId>,
    pub url: String,
    pub method: String,
    pub idempotency_key: String,
    pub state: EventState,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When the next attempt is due (clock time); `null` when none is scheduled.
    pub next_attempt_at: Option<Timestamp>,
    /// Attempts made so far, an interrupted one included.
    pub attempt_count: u32,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    /// Why it became a dead letter.
    pub dead_reason: Option<String>,
    pub resent_from: Option<EventId>,
    pub body_size: u64,
    pub target_key: String,
    pub origin: EventOrigin,
    /// The capture this event replays or forwards.
    pub capture_id: Option<CaptureId>,
    /// The bulk replay that made it.
    pub batch_id: Option<BatchId>,
}

/// An event with what it sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    #[serde(flatten)]
    pub summary: EventSummary,
    pub headers: Vec<HeaderView>,
    pub body_base64: String,
    pub settings: DeliverySettings,
    /// Clock time of the first attempt; `null` before it.
    pub first_attempt_at: Option<Timestamp>,
    /// Sent exactly as stored: no id header is added (a replay "as received").
    pub exact: bool,
}

/// Where an attempt is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptState {
    InFlight,
    Finished,
    /// The engine stopped while it was in flight; found on the next start.
    Interrupted,
}

impl AttemptState {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptState::InFlight => "in_flight",
            AttemptState::Finished => "finished",
            AttemptState::Interrupted => "interrupted",
        }
    }
    pub fn parse(text: &str) -> Self {
        match text {
            "in_flight" => AttemptState::InFlight,
            "interrupted" => AttemptState::Interrupted,
            _ => AttemptState::Finished,
        }
    }
}

/// The request an attempt sent (the body is the event's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SentRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<HeaderView>,
}

/// What the target answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttemptResponse {
    pub status: u16,
    pub headers: Vec<HeaderView>,
    /// At most 64 KiB of it.
    pub body_base64: String,
    pub body_truncated: bool,
}

/// How an attempt ended, as the engine saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptResult {
    pub finished_at: Timestamp,
    pub duration_ms: u64,
    pub response: Option<AttemptResponse>,
    pub error_class: Option<ErrorClass>,
    pub error: Option<String>,
}

/// One HTTP try of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Attempt {
    pub id: AttemptId,
    pub event_id: EventId,
    /// 1-based.
    pub number: u32,
    pub state: AttemptState,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub duration_ms: Option<u64>,
    pub request: SentRequest,
    pub response: Option<AttemptResponse>,
    /// Why there was no response.
    pub error_class: Option<ErrorClass>,
    pub error: Option<String>,
    /// What was decided after it, with the sentence saying why.
    pub next: Option<NextStep>,
    /// A circuit breaker change this attempt caused.
    pub breaker: Option<Transition>,
}

/// Something on an event's timeline that is not an attempt: a deferral by the open circuit, a
/// circuit change, a manual retry or cancel, a recovery after a crash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TimelineMark {
    pub at: Timestamp,
    /// `breaker_deferred`, `breaker_opened`, `breaker_reopened`, `breaker_closed`, `breaker_released`, `retry_requested`,
    /// `cancelled`, `resent`, `recovered`, `rescaled`.
    pub kind: String,
    pub text: String,
}

/// An event with its whole timeline: attempts, marks and the attempts the policy plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventDetail {
    #[serde(flatten)]
    pub event: Event,
    pub attempts: Vec<Attempt>,
    pub marks: Vec<TimelineMark>,
    /// Every attempt the policy allows from the first attempt (or from now, before it), placed in
    /// real time and on the scaled clock, assuming each fails and takes no time; without jitter.
    pub plan: Vec<PlannedAttempt>,
    /// The scale the event runs at now: its own, or the global one when its own is 1×.
    pub time_scale: TimeScale,
}

/// Which events a list shows; newest first, `before` is an event id cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub state: Option<EventState>,
    pub destination_id: Option<DestinationId>,
    pub limit: u32,
    pub before: Option<EventId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventSummary>,
    pub next_cursor: Option<EventId>,
}

/// Dead letters of one destination (`null`: sent straight to a URL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeadLetterCount {
    pub destination_id: Option<DestinationId>,
    pub count: u64,
}

/// Names a destination by id or by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum DestinationRef {
    Id(DestinationId),
    Name(String),
}

/// What a user sends to put an event in the outbox: to a destination (its settings apply) or
/// straight to a URL (the defaults apply); `scheme`, `secret`, `policy` and `method` override either.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct EventInput {
    #[serde(default)]
    pub destination: Option<DestinationRef>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
    /// Added after the destination's headers.
    #[serde(default)]
    pub headers: Vec<HeaderView>,
    /// The body as text, sent as UTF-8 bytes…
    #[serde(default)]
    pub body: Option<String>,
    /// …or as exact bytes.
    #[serde(default)]
    pub body_base64: Option<String>,
    #[serde(default)]
    pub scheme: Option<SchemeChoice>,
    /// Signs with this secret (the scheme defaults to Standard Webhooks).
    #[serde(default)]
    pub secret: Option<String>,
    /// A preset id (`"svix"`), `{"preset":"svix"}` or a full retry policy.
    #[serde(default)]
    pub policy: Option<PolicyChoice>,
    #[serde(default)]
    pub time_scale: Option<TimeScale>,
}

/// An event input with its destination applied: what to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedEvent {
    pub url: String,
    pub headers: Vec<HeaderView>,
    pub body: Vec<u8>,
    pub settings: DeliverySettings,
}

impl EventInput {
    /// Applies the destination (if any) and the overrides, and checks everything, naming each field.
    pub fn resolve(self, destination: Option<&Destination>) -> Result<ResolvedEvent, Vec<String>> {
        use base64::Engine as _;
        let mut problems = Vec::new();
        let (url, mut settings) = match (destination, self.url) {
            (Some(d), url) => (url.unwrap_or_else(|| d.url.clone()), d.settings.clone()),
            (None, Some(url)) => (url, DeliverySettings::default()),
            (None, None) => {
                problems.push("destination: give a destination (id or name) or a url".to_owned());
                (String::new(), DeliverySettings::default())
            }
        };
        let url = url.trim().to_owned();
        if !url.is_empty()
            && let Err(e) = validate_url("url", &url)
        {
            problems.push(e);
        }
        if let Some(method) = self.method {
            settings.method = method;
        }
        let scheme = match self.scheme.map(SchemeChoice::resolve).transpose() {
            Ok(scheme) => scheme,
            Err(e) => {
                problems.push(format!("scheme: {e}"));
                None
            }
        };
        match (scheme, self.secret) {
            (scheme, Some(secret)) => {
                let scheme = scheme.or_else(|| settings.signing.as_ref().map(|s| s.scheme.clone()));
                settings.signing =
                    Some(Signing { scheme: scheme.unwrap_or_else(default_scheme), secrets: vec![secret] });
            }
            (Some(scheme), None) => match &mut settings.signing {
                Some(signing) => signing.scheme = scheme,
                None => problems.push(format!("secret: scheme '{}' needs a secret to sign with", scheme.id())),
            },
            (None, None) => {}
        }
        if let Some(policy) = self.policy {
            match policy.resolve() {
                Ok(policy) => settings.retry = policy,
                Err(e) => problems.push(format!("policy: {e}")),
            }
        }
        if let Some(scale) = self.time_scale {
            settings.time_scale = scale;
        }
        let body = match (self.body, self.body_base64) {
            (Some(_), Some(_)) => {
                problems.push("body: give body or body_base64, not both".to_owned());
                Vec::new()
            }
            (Some(text), None) => text.into_bytes(),
            (None, Some(b64)) => base64::engine::general_purpose::STANDARD.decode(b64.trim()).unwrap_or_else(|e| {
                problems.push(format!("body_base64: not base64: {e}"));
                Vec::new()
            }),
            (None, None) => Vec::new(),
        };
        let mut probe = DeliverySettings { headers: self.headers.clone(), ..settings.clone() };
        problems.extend(probe.validate().into_iter().map(|p| p.replace("signing.secrets", "secret")));
        settings.method = probe.method;
        if problems.is_empty() {
            Ok(ResolvedEvent { url, headers: self.headers, body, settings })
        } else {
            Err(problems)
        }
    }
}

/// The key that breaker, rate limit and concurrency count under: the destination, or the URL's origin.
pub fn target_key(destination: Option<DestinationId>, url: &str) -> String {
    match destination {
        Some(id) => format!("destination:{id}"),
        None => {
            let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
            let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            format!("{scheme}://{}", host.to_ascii_lowercase())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destination_input_names_every_bad_field() {
        let input: DestinationInput = serde_json::from_value(serde_json::json!({
            "name": " ", "url": "ftp://x", "method": "FETCH", "timeout_ms": 5,
            "signing": {"secrets": []}, "limits": {"max_in_flight": 0}
        }))
        .unwrap_or_else(|e| panic!("the shape is right: {e}"));
        let problems = input.validated().err().unwrap_or_default();
        for field in ["name:", "url:", "method:", "timeout_ms:", "signing.secrets:", "limits.max_in_flight:"] {
            assert!(problems.iter().any(|p| p.starts_with(field)), "{field} is named in {problems:?}");
        }
    }

    #[test]
    fn retry_takes_a_preset_id_or_a_full_policy_and_defaults_to_standard() {
        let by_id: DeliverySettings =
            serde_json::from_value(serde_json::json!({"retry": {"preset": "svix"}})).unwrap_or_default();
        assert_eq!(Some(by_id.retry), RetryPolicy::preset("svix"), "a preset id picks the preset");
        let plain: DeliverySettings = serde_json::from_value(serde_json::json!({})).unwrap_or_default();
        assert_eq!(plain.retry, RetryPolicy::default(), "standard by default");
        assert_eq!(plain.timeout_ms, 15_000, "15 s by default");
        let unknown = serde_json::from_value::<DeliverySettings>(serde_json::json!({"retry": "nope"}));
        assert!(unknown.is_err_and(|e| e.to_string().contains("unknown retry preset 'nope'")), "unknown ids are named");
    }

    #[test]
    fn an_event_input_applies_its_destination_and_names_bad_fields() {
        let destination = Destination {
            id: 7,
            name: "app".into(),
            url: "http://127.0.0.1:3000/hooks".into(),
            settings: DeliverySettings::default(),
            created_at: 0,
            updated_at: 0,
        };
        let input = EventInput {
            destination: Some(DestinationRef::Id(7)),
            body: Some("{}".into()),
            secret: Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()),
            policy: Some(PolicyChoice::Id("svix".into())),
            ..Default::default()
        };
        let resolved = input.resolve(Some(&destination)).unwrap_or_else(|p| panic!("valid: {p:?}"));
        assert_eq!(resolved.url, destination.url, "the destination's URL");
        assert_eq!(resolved.settings.signing.map(|s| s.scheme), Some(Scheme::StandardWebhooks), "signed by default");
        assert_eq!(Some(resolved.settings.retry), RetryPolicy::preset("svix"), "the policy override applies");

        let bad = EventInput {
            url: Some("nope".into()),
            body: Some("a".into()),
            body_base64: Some("YQ==".into()),
            policy: Some(PolicyChoice::Id("never".into())),
            ..Default::default()
        };
        let problems = bad.resolve(None).err().unwrap_or_default();
        for field in ["url:", "body:", "policy:"] {
            assert!(problems.iter().any(|p| p.starts_with(field)), "{field} is named in {problems:?}");
        }
        assert_eq!(target_key(None, "https://Example.com:8443/a?b"), "https://example.com:8443");
        assert_eq!(target_key(Some(3), "https://example.com/"), "destination:3");
    }

    #[test]
    fn signing_defaults_to_standard_webhooks() {
        let signing: Signing = serde_json::from_value(serde_json::json!({"secrets": ["whsec_abc"]}))
            .unwrap_or_else(|e| panic!("secrets alone are enough: {e}"));
        assert_eq!(signing.scheme, Scheme::StandardWebhooks);
    }
}
