//! A retry policy: when the attempts of an event are due, what may retry, and the bounds on both.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::classify::RetryOn;
use super::duration::DurationSpec;
use super::timing::DEFAULT_JITTER_PCT;

/// No schedule makes more attempts than this, so a plan always fits on a timeline.
pub const MAX_ATTEMPTS: u32 = 1_000;

/// The default bound on a `Retry-After`: a target can slow us down, not park an event for a week.
pub const DEFAULT_RETRY_AFTER_MAX: DurationSpec = DurationSpec::from_hours(1);

/// When attempts are due. Each delay counts from the end of the attempt before it; the first
/// delay (a list's first item, `0` for exponential) counts from when the event was stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// One delay per attempt, e.g. `["0", "30s", "2m", "10m", "1h"]` is 5 attempts.
    Delays { list: Vec<DurationSpec> },
    /// Attempt 1 at once, then `initial`, `initial × factor`, … each at most `cap`.
    Exponential {
        initial: DurationSpec,
        factor: f64,
        cap: DurationSpec,
        /// Attempts in all, the first included; `null` leaves the end to the policy's `max_total`.
        #[serde(default)]
        max_attempts: Option<u32>,
    },
}

impl Schedule {
    /// How many attempts this schedule allows, the first included.
    pub fn max_attempts(&self) -> u32 {
        match self {
            Schedule::Delays { list } => u32::try_from(list.len()).unwrap_or(u32::MAX).min(MAX_ATTEMPTS),
            Schedule::Exponential { max_attempts, .. } => max_attempts.unwrap_or(MAX_ATTEMPTS).min(MAX_ATTEMPTS),
        }
    }

    /// The attempt count a person set, if any (an open-ended exponential schedule has none).
    pub fn stated_attempts(&self) -> Option<u32> {
        match self {
            Schedule::Exponential { max_attempts: None, .. } => None,
            _ => Some(self.max_attempts()),
        }
    }

    /// The delay before attempt `attempt` (1-based), without jitter; `None` past the last attempt.
    pub fn delay_before(&self, attempt: u32) -> Option<u64> {
        if attempt == 0 || attempt > self.max_attempts() {
            return None;
        }
        match self {
            Schedule::Delays { list } => list.get(usize::try_from(attempt - 1).ok()?).map(|d| d.as_ms()),
            Schedule::Exponential { .. } if attempt == 1 => Some(0),
            Schedule::Exponential { initial, factor, cap, .. } => {
                let exponent = i32::try_from(attempt - 2).unwrap_or(i32::MAX);
                let grown = initial.as_ms() as f64 * factor.powi(exponent);
                let capped = grown.min(cap.as_ms() as f64);
                Some(if capped.is_nan() { cap.as_ms() } else { capped.round() as u64 })
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RetryPolicy {
    pub schedule: Schedule,
    /// No attempt is scheduled later than this after the first attempt; `null` for no bound.
    #[serde(default)]
    pub max_total: Option<DurationSpec>,
    /// Each scheduled delay moves by up to ± this percentage (0–100), drawn from a seeded RNG.
    #[serde(default = "default_jitter")]
    pub jitter_pct: u8,
    #[serde(default)]
    pub retry_on: RetryOn,
    /// A target's `Retry-After` replaces the scheduled delay, but never beyond this.
    #[serde(default = "default_retry_after_max")]
    pub retry_after_max: DurationSpec,
}

fn default_jitter() -> u8 {
    DEFAULT_JITTER_PCT
}

fn default_retry_after_max() -> DurationSpec {
    DEFAULT_RETRY_AFTER_MAX
}

impl RetryPolicy {
    /// A policy with this schedule and every other setting at its default.
    pub fn with_schedule(schedule: Schedule) -> Self {
        Self {
            schedule,
            max_total: None,
            jitter_pct: DEFAULT_JITTER_PCT,
            retry_on: RetryOn::default(),
            retry_after_max: DEFAULT_RETRY_AFTER_MAX,
        }
    }

    /// Every problem, each as `field.path: what is wrong`, or `Ok` when the policy can run.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        match &self.schedule {
            Schedule::Delays { list } => {
                if list.is_empty() {
                    problems
                        .push("schedule.list: give at least one delay (0 for an immediate first attempt)".to_owned());
                }
                if list.len() > MAX_ATTEMPTS as usize {
                    problems.push(format!("schedule.list: {} delays; at most {MAX_ATTEMPTS} attempts", list.len()));
                }
            }
            Schedule::Exponential { initial, factor, cap, max_attempts } => {
                if initial.as_ms() == 0 {
                    problems.push("schedule.initial: must be more than 0, e.g. 30s".to_owned());
                }
                if !(factor.is_finite() && *factor >= 1.0) {
                    problems.push(format!(
                        "schedule.factor: {factor} must be a number of at least 1 (2 doubles each delay)"
                    ));
                }
                if cap < initial {
                    problems.push(format!("schedule.cap: {cap} is below initial {initial}"));
                }
                match max_attempts {
                    Some(0) => problems.push("schedule.max_attempts: must be at least 1".to_owned()),
                    Some(n) if *n > MAX_ATTEMPTS => {
                        problems.push(format!("schedule.max_attempts: {n} is more than the limit of {MAX_ATTEMPTS}"))
                    }
                    None if self.max_total.is_none() => problems.push(
                        "schedule.max_attempts: set max_attempts or max_total, or the retries never end".to_owned(),
                    ),
                    _ => {}
                }
            }
        }
        if self.max_total == Some(DurationSpec::ZERO) {
            problems.push("max_total: must be more than 0 (null for no bound)".to_owned());
        }
        if self.jitter_pct > 100 {
            problems.push(format!("jitter_pct: {} is more than 100", self.jitter_pct));
        }
        problems.extend(self.retry_on.problems("retry_on"));
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }
}
