//! Fault plans: named, stored ways to make an endpoint misbehave on purpose, and the pure decision
//! of what a request gets when some are switched on.
//!
//! The engine stores the plans and a `FaultState` per endpoint, calls `decide` for every request
//! and carries out the `FaultAction` (respond, hold, reset, refuse). Nothing here waits or touches a
//! socket; time comes in as `now`, randomness from each plan's seeded generator in the state.

mod decide;
mod preset;
mod state;
mod validate;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Timestamp;
use crate::dedupe::KeySource;
use crate::response::{Delay, ResponseHeader};

pub use decide::{AppliedFault, FaultAction, FaultDecision, FaultRequest, MAX_HOLD_MS, Trickle, decide, refusing};
pub use preset::{FaultPreset, presets};
pub use state::{FaultState, PlanRng};
pub use validate::validate_plans;

pub use crate::response::Problem;

/// One named plan of an endpoint. Several can be on at once (see `decide` for how they combine).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FaultPlan {
    /// Unique within the endpoint; presets use their own id (`503-2m`).
    pub id: String,
    pub name: String,
    /// Off plans are kept but never apply: switching is instant and keeps the settings.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// When the plan was last switched on (unix ms). `outage` windows of the `next` kind count from
    /// here; changing it restarts the plan's counters and random sequence.
    pub activated_at: Timestamp,
    pub fault: FaultKind,
}

fn enabled_by_default() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status, headers and body (the body is sent as written, not a template).
    Status {
        status: u16,
        #[serde(default)]
        headers: Vec<ResponseHeader>,
        #[serde(default)]
        body: String,
        /// Adds a `Retry-After` header (typically with 429 or 503).
        #[serde(default)]
        retry_after: Option<RetryAfter>,
    },
    /// Wait before answering; combines with whatever answer the request gets.
    Latency { distribution: Delay },
    /// Hold the request open without answering, until the client gives up or `max_hold_ms` passes;
    /// then close the connection with no response.
    Timeout { max_hold_ms: u64 },
    /// Close the connection with no response (TCP reset).
    Reset,
    /// Send the response body slowly, `chunk_bytes` at a time at `bytes_per_sec`.
    SlowBody { bytes_per_sec: u32, chunk_bytes: u32 },
    /// Apply `fault` to the first `n` requests (overall or per idempotency key), then let requests pass.
    FailFirst {
        n: u32,
        #[serde(default)]
        per: FailPer,
        #[serde(default = "service_unavailable")]
        #[schema(no_recursion)]
        fault: Box<FaultKind>,
    },
    /// Apply `fault` with probability `p` (0–1), drawn from a generator seeded with `seed`, so the
    /// same plan gives the same sequence of hits and misses.
    Probability {
        p: f64,
        #[serde(default)]
        seed: u64,
        #[serde(default = "service_unavailable")]
        #[schema(no_recursion)]
        fault: Box<FaultKind>,
    },
    /// Apply `fault` inside a time window only; outside it the plan is inert and shows as expired.
    Outage {
        window: OutageWindow,
        #[serde(default = "service_unavailable")]
        #[schema(no_recursion)]
        fault: Box<FaultKind>,
    },
    /// The listener stops accepting: clients get "connection refused" until `until` (unix ms), or
    /// until the plan is switched off when `until` is `null`.
    ReceiverOff {
        #[serde(default)]
        until: Option<Timestamp>,
    },
}

fn service_unavailable() -> Box<FaultKind> {
    Box::new(FaultKind::status(503, "service unavailable"))
}

/// How `Retry-After` is written: delay-seconds, or an HTTP date that many seconds after `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RetryAfter {
    /// `Retry-After: 30`.
    Seconds { secs: u64 },
    /// `Retry-After: Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 IMF-fixdate), `in_secs` after now.
    HttpDate { in_secs: u64 },
}

impl RetryAfter {
    /// The header value at `now`.
    pub fn header_value(&self, now: Timestamp) -> String {
        match *self {
            RetryAfter::Seconds { secs } => secs.to_string(),
            RetryAfter::HttpDate { in_secs } => {
                let secs = now.div_euclid(1_000).saturating_add(i64::try_from(in_secs).unwrap_or(i64::MAX));
                imf_fixdate(secs)
            }
        }
    }
}

/// RFC 9110 IMF-fixdate of a unix time in seconds: `Sun, 06 Nov 1994 08:49:37 GMT`. A time beyond
/// what a date can say is written as the latest date `time` knows rather than failing.
pub fn imf_fixdate(unix_secs: i64) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::OffsetDateTime::from_unix_timestamp(unix_secs).unwrap_or(if unix_secs < 0 {
        time::OffsetDateTime::UNIX_EPOCH
    } else {
        time::PrimitiveDateTime::MAX.assume_utc()
    });
    at.format(&format).unwrap_or_else(|_| "Fri, 31 Dec 9999 23:59:59 GMT".to_owned())
}

/// Which requests `fail_first` counts together.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FailPer {
    /// One count for every request.
    #[default]
    Overall,
    /// One count per idempotency key: the key from `source`, or when `source` is `null` the key the
    /// endpoint's duplicate detection found. Requests without a key share one count.
    IdempotencyKey {
        #[serde(default)]
        source: Option<KeySource>,
    },
}

/// When an outage is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutageWindow {
    /// For `secs` seconds from the plan's `activated_at`.
    Next { secs: u64 },
    /// From `start_at` (inclusive) to `end_at` (exclusive), unix ms.
    Between { start_at: Timestamp, end_at: Timestamp },
}

impl OutageWindow {
    /// `(start, end)` in unix ms for a plan activated at `activated_at`.
    pub fn bounds(&self, activated_at: Timestamp) -> (Timestamp, Timestamp) {
        match *self {
            OutageWindow::Next { secs } => {
                let ms = i64::try_from(secs.saturating_mul(1_000)).unwrap_or(i64::MAX);
                (activated_at, activated_at.saturating_add(ms))
            }
            OutageWindow::Between { start_at, end_at } => (start_at, end_at),
        }
    }
}

/// Where a plan stands at some moment, for the UI's banner and countdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PlanStatus {
    /// Applies now; `remaining_ms` is how long it still will (`null`: until switched off).
    Live { remaining_ms: Option<i64> },
    /// Its window has not started yet.
    Scheduled { starts_in_ms: i64 },
    /// Its window is over; it no longer applies by itself.
    Expired,
    /// Switched off.
    Off,
}

/// A plan that applies now, as the banner shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ActivePlan {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub summary: String,
    pub remaining_ms: Option<i64>,
}

impl FaultPlan {
    /// The plan's window in unix ms, `(start, end)`, either open: only `outage` and `receiver_off`
    /// have one.
    pub fn window(&self) -> (Option<Timestamp>, Option<Timestamp>) {
        match &self.fault {
            FaultKind::Outage { window, .. } => {
                let (start, end) = window.bounds(self.activated_at);
                (Some(start), Some(end))
            }
            FaultKind::ReceiverOff { until } => (None, *until),
            _ => (None, None),
        }
    }

    pub fn status(&self, now: Timestamp) -> PlanStatus {
        if !self.enabled {
            return PlanStatus::Off;
        }
        match self.window() {
            (Some(start), _) if now < start => PlanStatus::Scheduled { starts_in_ms: start - now },
            (_, Some(end)) if now >= end => PlanStatus::Expired,
            (_, end) => PlanStatus::Live { remaining_ms: end.map(|end| end - now) },
        }
    }

    pub fn is_live(&self, now: Timestamp) -> bool {
        matches!(self.status(now), PlanStatus::Live { .. })
    }

    /// Milliseconds until the plan stops applying by itself, for a countdown; `None` when it is
    /// not live or has no end.
    pub fn remaining(&self, now: Timestamp) -> Option<i64> {
        match self.status(now) {
            PlanStatus::Live { remaining_ms } => remaining_ms,
            _ => None,
        }
    }

    /// The plan built from a preset id (see `presets`), activated at `now`.
    pub fn preset(id: &str, now: Timestamp) -> Option<FaultPlan> {
        preset::build(id, now)
    }

    /// Every problem with the plan, with field paths (`fault.p`).
    pub fn problems(&self) -> Vec<Problem> {
        validate::plan_problems(self)
    }
}

/// The plans that apply now, in order, for the banner.
pub fn active_plans(plans: &[FaultPlan], now: Timestamp) -> Vec<ActivePlan> {
    plans
        .iter()
        .filter_map(|plan| match plan.status(now) {
            PlanStatus::Live { remaining_ms } => Some(ActivePlan {
                id: plan.id.clone(),
                name: plan.name.clone(),
                kind: plan.fault.kind_name().to_owned(),
                summary: plan.fault.describe(),
                remaining_ms,
            }),
            _ => None,
        })
        .collect()
}

/// The next moment after `now` at which some plan starts or stops applying by itself, so the
/// engine can reopen a listener or refresh the banner then instead of polling.
pub fn next_change(plans: &[FaultPlan], now: Timestamp) -> Option<Timestamp> {
    plans
        .iter()
        .filter(|plan| plan.enabled)
        .flat_map(|plan| {
            let (start, end) = plan.window();
            [start, end]
        })
        .flatten()
        .filter(|&at| at > now)
        .min()
}

impl FaultKind {
    /// A status fault with a small JSON body, e.g. `{"error":"service unavailable"}`.
    pub fn status(status: u16, error: &str) -> FaultKind {
        FaultKind::Status {
            status,
            headers: vec![ResponseHeader::new("Content-Type", "application/json")],
            body: serde_json::json!({ "error": error }).to_string(),
            retry_after: None,
        }
    }

    /// The `kind` tag as serialized: `status`, `fail_first`, …
    pub fn kind_name(&self) -> &'static str {
        match self {
            FaultKind::Status { .. } => "status",
            FaultKind::Latency { .. } => "latency",
            FaultKind::Timeout { .. } => "timeout",
            FaultKind::Reset => "reset",
            FaultKind::SlowBody { .. } => "slow_body",
            FaultKind::FailFirst { .. } => "fail_first",
            FaultKind::Probability { .. } => "probability",
            FaultKind::Outage { .. } => "outage",
            FaultKind::ReceiverOff { .. } => "receiver_off",
        }
    }

    /// What the fault does, in a few words: `503 with Retry-After 30 s`, `30% of requests: 503`.
    pub fn describe(&self) -> String {
        match self {
            FaultKind::Status { status, retry_after: Some(RetryAfter::Seconds { secs }), .. } => {
                format!("{status} with Retry-After {secs} s")
            }
            FaultKind::Status { status, retry_after: Some(RetryAfter::HttpDate { in_secs }), .. } => {
                format!("{status} with Retry-After a date {in_secs} s ahead")
            }
            FaultKind::Status { status, .. } => status.to_string(),
            FaultKind::Latency { distribution } => format!("latency {}", distribution.describe()),
            FaultKind::Timeout { max_hold_ms } => format!("no answer, held up to {max_hold_ms} ms"),
            FaultKind::Reset => "connection reset".to_owned(),
            FaultKind::SlowBody { bytes_per_sec, .. } => format!("body trickled at {bytes_per_sec} B/s"),
            FaultKind::FailFirst { n, per, fault } => {
                let per = match per {
                    FailPer::Overall => "",
                    FailPer::IdempotencyKey { .. } => " per idempotency key",
                };
                format!("first {n} requests{per}: {}, then pass", fault.describe())
            }
            FaultKind::Probability { p, fault, .. } => {
                format!("{}% of requests: {}", (p * 1000.0).round() / 10.0, fault.describe())
            }
            FaultKind::Outage { window: OutageWindow::Next { secs }, fault } => {
                format!("{} for {secs} s", fault.describe())
            }
            FaultKind::Outage { fault, .. } => format!("{} during a set window", fault.describe()),
            FaultKind::ReceiverOff { .. } => "connection refused".to_owned(),
        }
    }
}
