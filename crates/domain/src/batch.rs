//! Bulk replay: a selection or a filter of captures (replayed to a target) or of events (resent),
//! enqueued at a rate, with progress, pause, resume and cancel. Pure types and checks.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Timestamp;
use crate::outbox::{BatchId, DestinationId, EventState, PolicyChoice};
use crate::replay::{ReplayMode, ReplayTarget};
use crate::retry::TimeScale;

/// Default and largest pace of a bulk replay, in events enqueued per second.
pub const DEFAULT_RATE: f64 = 10.0;
pub const MAX_RATE: f64 = 1000.0;
/// The most items one bulk replay may hold.
pub const MAX_ITEMS: usize = 100_000;

/// What to replay: ids, or a filter (all given conditions must hold). Times are unix ms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BatchSource {
    Captures {
        #[serde(default)]
        ids: Option<Vec<i64>>,
        #[serde(default)]
        endpoint: Option<i64>,
        #[serde(default)]
        method: Option<String>,
        /// `valid` or `invalid`: the signature verdict.
        #[serde(default)]
        verdict: Option<String>,
        #[serde(default)]
        duplicate: Option<bool>,
        /// A substring of the path.
        #[serde(default)]
        q: Option<String>,
        #[serde(default)]
        since: Option<Timestamp>,
        #[serde(default)]
        until: Option<Timestamp>,
    },
    Events {
        #[serde(default)]
        ids: Option<Vec<i64>>,
        #[serde(default)]
        state: Option<EventState>,
        #[serde(default)]
        destination: Option<DestinationId>,
        #[serde(default)]
        since: Option<Timestamp>,
        #[serde(default)]
        until: Option<Timestamp>,
    },
}

impl BatchSource {
    pub fn kind(&self) -> &'static str {
        match self {
            BatchSource::Captures { .. } => "captures",
            BatchSource::Events { .. } => "events",
        }
    }
}

/// `POST /api/replays` (and `/api/replays/preview`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BatchInput {
    pub source: BatchSource,
    /// Where captures go (required for captures). Events are resent to their own target.
    #[serde(default)]
    pub to: Option<ReplayTarget>,
    #[serde(default)]
    pub mode: ReplayMode,
    /// Events enqueued per second (default 10, at most 1000), so the target is not flooded.
    #[serde(default)]
    pub rate_per_sec: Option<f64>,
    /// A retry preset id or a full policy, as `POST /api/events` takes it.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub policy: Option<serde_json::Value>,
    #[serde(default)]
    pub time_scale: Option<TimeScale>,
}

impl BatchInput {
    /// The policy asked for, read as `POST /api/events` reads it.
    pub fn policy_choice(&self) -> Result<Option<PolicyChoice>, String> {
        self.policy
            .clone()
            .map(|p| serde_json::from_value::<PolicyChoice>(p).map_err(|e| format!("policy: {e}")))
            .transpose()
    }

    /// Every problem, each naming its field.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(e) = self.policy_choice().and_then(|p| p.map(PolicyChoice::resolve).transpose()) {
            problems.push(if e.starts_with("policy:") { e } else { format!("policy: {e}") });
        }
        if let Some(rate) = self.rate_per_sec
            && !(rate.is_finite() && rate > 0.0 && rate <= MAX_RATE)
        {
            problems.push(format!("rate_per_sec: {rate} must be more than 0 and at most {MAX_RATE}"));
        }
        match &self.source {
            BatchSource::Captures { verdict, ids, .. } => {
                if self.to.is_none() {
                    problems.push("to: say where the captures go: {\"url\": …} or {\"destination\": …}".to_owned());
                }
                if let Some(v) = verdict
                    && v != "valid"
                    && v != "invalid"
                {
                    problems.push(format!("source.verdict: '{v}' is not valid or invalid"));
                }
                if ids.as_ref().is_some_and(Vec::is_empty) {
                    problems.push("source.ids: the selection is empty".to_owned());
                }
            }
            BatchSource::Events { ids, .. } => {
                if self.to.is_some() {
                    problems.push("to: events are resent to their own target; leave it out".to_owned());
                }
                if self.mode != ReplayMode::AsReceived {
                    problems
                        .push("mode: events are resent as they were stored (signed afresh when they were)".to_owned());
                }
                if ids.as_ref().is_some_and(Vec::is_empty) {
                    problems.push("source.ids: the selection is empty".to_owned());
                }
            }
        }
        problems
    }

    pub fn rate(&self) -> f64 {
        self.rate_per_sec.unwrap_or(DEFAULT_RATE)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    Running,
    Paused,
    Cancelled,
    /// Every item was enqueued (or skipped); the events may still be on their way.
    Done,
}

impl BatchState {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchState::Running => "running",
            BatchState::Paused => "paused",
            BatchState::Cancelled => "cancelled",
            BatchState::Done => "done",
        }
    }
    pub fn parse(text: &str) -> Self {
        match text {
            "paused" => BatchState::Paused,
            "cancelled" => BatchState::Cancelled,
            "done" => BatchState::Done,
            _ => BatchState::Running,
        }
    }
}

/// How the events a bulk replay made are doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BatchCounts {
    /// Waiting for an attempt, in flight, or retrying.
    pub in_progress: u64,
    pub delivered: u64,
    pub dead: u64,
    pub cancelled: u64,
}

/// A bulk replay and its progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Batch {
    pub id: BatchId,
    /// `captures` or `events`.
    pub kind: String,
    pub state: BatchState,
    pub total: u64,
    /// Items handled so far (enqueued or skipped).
    pub done: u64,
    /// Items that could not be enqueued (a capture without its body, an event deleted since).
    pub skipped: u64,
    pub last_error: Option<String>,
    pub rate_per_sec: f64,
    pub counts: BatchCounts,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// What was asked.
    pub input: BatchInput,
}

/// How many items a bulk replay would take, before it is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BatchPreview {
    pub total: u64,
    /// The first ids, oldest first (at most 20).
    pub sample: Vec<i64>,
    /// True when the filter matched more than the most a bulk replay takes (the rest is left out).
    pub capped: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_checked_field_by_field() {
        let input: BatchInput = serde_json::from_value(serde_json::json!({
            "source": {"kind": "captures", "verdict": "maybe", "ids": []}, "rate_per_sec": 0
        }))
        .unwrap();
        let problems = input.problems();
        assert_eq!(problems.len(), 4, "{problems:?}");
        let input: BatchInput = serde_json::from_value(serde_json::json!({
            "source": {"kind": "events", "state": "dead", "destination": 3}
        }))
        .unwrap();
        assert!(input.problems().is_empty());
        assert_eq!(input.rate(), DEFAULT_RATE);
    }
}
