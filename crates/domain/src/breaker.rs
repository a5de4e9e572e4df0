//! Circuit breaker per destination: after repeated failures, stop sending for a cool-down, then let
//! one probe find out whether the target is back. A pure state machine the engine persists.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Timestamp;
use crate::retry::DurationSpec;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BreakerConfig {
    /// Consecutive failed attempts that open the circuit.
    #[serde(default = "default_threshold")]
    pub failure_threshold: u32,
    /// How long the circuit stays open the first time.
    #[serde(default = "default_cool_down")]
    pub cool_down: DurationSpec,
    /// Each failed probe multiplies the cool-down by this (1 keeps it fixed)…
    #[serde(default = "default_factor")]
    pub cool_down_factor: f64,
    /// …up to this.
    #[serde(default = "default_max_cool_down")]
    pub max_cool_down: DurationSpec,
}

fn default_threshold() -> u32 {
    5
}
fn default_cool_down() -> DurationSpec {
    DurationSpec::from_secs(30)
}
fn default_factor() -> f64 {
    2.0
}
fn default_max_cool_down() -> DurationSpec {
    DurationSpec::from_mins(5)
}

impl Default for BreakerConfig {
    /// Opens after 5 failures for 30 s, doubling per failed probe up to 5 min.
    fn default() -> Self {
        Self {
            failure_threshold: default_threshold(),
            cool_down: default_cool_down(),
            cool_down_factor: default_factor(),
            max_cool_down: default_max_cool_down(),
        }
    }
}

impl BreakerConfig {
    /// Every problem, each as `{prefix}.field: what is wrong`.
    pub fn problems(&self, prefix: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if self.failure_threshold == 0 {
            problems.push(format!("{prefix}.failure_threshold: must be at least 1"));
        }
        if self.cool_down == DurationSpec::ZERO {
            problems.push(format!("{prefix}.cool_down: must be more than 0, e.g. 30s"));
        }
        if !(self.cool_down_factor.is_finite() && self.cool_down_factor >= 1.0) {
            problems.push(format!("{prefix}.cool_down_factor: {} must be at least 1", self.cool_down_factor));
        }
        if self.max_cool_down < self.cool_down {
            problems
                .push(format!("{prefix}.max_cool_down: {} is below cool_down {}", self.max_cool_down, self.cool_down));
        }
        problems
    }
}

/// Where the breaker is. Times are clock times (unix ms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Phase {
    Closed {
        consecutive_failures: u32,
    },
    Open {
        since: Timestamp,
        until: Timestamp,
        cool_down_ms: u64,
        consecutive_failures: u32,
    },
    /// The cool-down ended at `since`; one probe at a time is let through.
    HalfOpen {
        since: Timestamp,
        probe_started_at: Option<Timestamp>,
        cool_down_ms: u64,
        consecutive_failures: u32,
    },
}

/// A breaker's config and phase: everything needed to pick up after a restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BreakerState {
    pub config: BreakerConfig,
    pub phase: Phase,
}

/// Whether a due attempt may start now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Admission {
    Allow,
    /// This attempt is the probe; the circuit has been half-open since `half_open_at`.
    AllowProbe {
        half_open_at: Timestamp,
    },
    /// Not now, and not a failure: ask again at `until`.
    Defer {
        until: Timestamp,
        reason: String,
    },
}

/// A change of phase, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Transition {
    /// Closed → open; half-open from `until`.
    Opened { at: Timestamp, until: Timestamp, consecutive_failures: u32 },
    /// The probe failed: half-open → open, for a (possibly longer) cool-down.
    Reopened { at: Timestamp, until: Timestamp, cool_down_ms: u64 },
    /// The probe succeeded.
    Closed { at: Timestamp },
}

impl Transition {
    /// The sentence for the timeline.
    pub fn describe(&self) -> String {
        match self {
            Transition::Opened { at, until, consecutive_failures } => format!(
                "circuit opened after {consecutive_failures} consecutive failures; half-open (one probe) in {}",
                DurationSpec::from_ms(u64::try_from(until - at).unwrap_or(0))
            ),
            Transition::Reopened { cool_down_ms, .. } => {
                format!("probe failed: circuit re-opened for {}", DurationSpec::from_ms(*cool_down_ms))
            }
            Transition::Closed { .. } => "probe succeeded: circuit closed".to_owned(),
        }
    }
}

impl BreakerState {
    pub fn new(config: BreakerConfig) -> Self {
        Self { config, phase: Phase::Closed { consecutive_failures: 0 } }
    }

    /// Asks whether a due attempt may start at `now`. Moves open → half-open once the cool-down
    /// is over and hands out the single probe. A probe that never reported (the engine died
    /// mid-flight) is given up on after one cool-down, and another probe is allowed.
    pub fn admit(&mut self, now: Timestamp) -> Admission {
        match self.phase {
            Phase::Closed { .. } => Admission::Allow,
            Phase::Open { until, consecutive_failures, .. } if now < until => Admission::Defer {
                until,
                reason: format!(
                    "circuit open after {consecutive_failures} consecutive failures; deferred {} until the probe \
                     (not counted as a failure)",
                    wait_text(until - now)
                ),
            },
            Phase::Open { until, cool_down_ms, consecutive_failures, .. } => {
                self.phase =
                    Phase::HalfOpen { since: until, probe_started_at: Some(now), cool_down_ms, consecutive_failures };
                Admission::AllowProbe { half_open_at: until }
            }
            Phase::HalfOpen { since, probe_started_at, cool_down_ms, consecutive_failures } => {
                let probe_deadline = probe_started_at.map(|p| p.saturating_add(ms_i64(cool_down_ms)));
                match probe_deadline {
                    Some(deadline) if now < deadline => Admission::Defer {
                        until: deadline,
                        reason: "circuit half-open: waiting for the probe's result (not counted as a failure)"
                            .to_owned(),
                    },
                    _ => {
                        self.phase =
                            Phase::HalfOpen { since, probe_started_at: Some(now), cool_down_ms, consecutive_failures };
                        Admission::AllowProbe { half_open_at: since }
                    }
                }
            }
        }
    }

    /// Records how an attempt ended. While open, results of attempts that started before it
    /// opened change nothing: only the probe decides.
    pub fn record(&mut self, now: Timestamp, success: bool) -> Option<Transition> {
        match (self.phase.clone(), success) {
            (Phase::Closed { .. }, true) => {
                self.phase = Phase::Closed { consecutive_failures: 0 };
                None
            }
            (Phase::Closed { consecutive_failures }, false) => {
                let failures = consecutive_failures.saturating_add(1);
                if failures < self.config.failure_threshold {
                    self.phase = Phase::Closed { consecutive_failures: failures };
                    return None;
                }
                let cool_down_ms = self.config.cool_down.as_ms();
                let until = now.saturating_add(ms_i64(cool_down_ms));
                self.phase = Phase::Open { since: now, until, cool_down_ms, consecutive_failures: failures };
                Some(Transition::Opened { at: now, until, consecutive_failures: failures })
            }
            (Phase::Open { .. }, _) => None,
            (Phase::HalfOpen { .. }, true) => {
                self.phase = Phase::Closed { consecutive_failures: 0 };
                Some(Transition::Closed { at: now })
            }
            (Phase::HalfOpen { cool_down_ms, consecutive_failures, .. }, false) => {
                let grown = cool_down_ms as f64 * self.config.cool_down_factor;
                let max = self.config.max_cool_down.as_ms();
                let cool_down_ms =
                    if grown.is_nan() || grown >= max as f64 { max } else { (grown.round() as u64).max(1) };
                let until = now.saturating_add(ms_i64(cool_down_ms));
                let consecutive_failures = consecutive_failures.saturating_add(1);
                self.phase = Phase::Open { since: now, until, cool_down_ms, consecutive_failures };
                Some(Transition::Reopened { at: now, until, cool_down_ms })
            }
        }
    }
}

impl Default for BreakerState {
    fn default() -> Self {
        Self::new(BreakerConfig::default())
    }
}

fn ms_i64(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

fn wait_text(ms: i64) -> String {
    DurationSpec::from_ms(u64::try_from(ms).unwrap_or(0)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = 1_796_000_000_000;
    const SEC: i64 = 1_000;
    const MIN: i64 = 60 * SEC;
    type Check = Result<(), String>;

    /// A breaker with the defaults, opened by five failures ending at `T0`.
    fn opened() -> Result<BreakerState, String> {
        let mut breaker = BreakerState::default();
        for n in 1..=4 {
            assert_eq!(breaker.record(T0, false), None, "failure {n} of 5 leaves the circuit closed");
            assert_eq!(breaker.admit(T0), Admission::Allow, "closed lets attempts through");
        }
        match breaker.record(T0, false) {
            Some(Transition::Opened { at: T0, until, consecutive_failures: 5 }) if until == T0 + 30 * SEC => {
                Ok(breaker)
            }
            other => Err(format!("the fifth failure should open it for 30 s, got {other:?}")),
        }
    }

    #[test]
    fn five_consecutive_failures_open_the_circuit_and_a_success_between_resets_the_count() -> Check {
        let mut breaker = BreakerState::default();
        for _ in 0..4 {
            breaker.record(T0, false);
        }
        breaker.record(T0, true);
        assert_eq!(breaker.record(T0, false), None, "the count started again after the success");
        let transition = opened()?.record(T0, false);
        assert_eq!(transition, None, "results arriving while open change nothing");
        Ok(())
    }

    #[test]
    fn while_open_due_attempts_are_deferred_without_counting_as_failures() -> Check {
        let mut breaker = opened()?;
        let before = breaker.phase.clone();
        for t in [T0, T0 + 10 * SEC, T0 + 30 * SEC - 1] {
            let admission = breaker.admit(t);
            assert!(
                matches!(&admission, Admission::Defer { until, reason } if *until == T0 + 30 * SEC && reason.contains("not counted as a failure")),
                "deferred until the cool-down ends: {admission:?}"
            );
        }
        assert_eq!(breaker.phase, before, "deferring leaves the failure count alone");
        Ok(())
    }

    #[test]
    fn half_open_lets_exactly_one_probe_through_and_success_closes() -> Check {
        let mut breaker = opened()?;
        let probe_at = T0 + 30 * SEC;
        assert_eq!(
            breaker.admit(probe_at),
            Admission::AllowProbe { half_open_at: probe_at },
            "the first becomes the probe"
        );
        for t in [probe_at, probe_at + SEC, probe_at + 29 * SEC] {
            assert!(matches!(breaker.admit(t), Admission::Defer { .. }), "no second attempt while the probe is out");
        }
        assert_eq!(breaker.record(probe_at + 2 * SEC, true), Some(Transition::Closed { at: probe_at + 2 * SEC }));
        assert_eq!(breaker.admit(probe_at + 2 * SEC), Admission::Allow, "closed again");
        assert_eq!(breaker.phase, Phase::Closed { consecutive_failures: 0 });
        Ok(())
    }

    #[test]
    fn a_failed_probe_reopens_for_a_growing_capped_cool_down() -> Check {
        let mut breaker = opened()?;
        let mut now = T0 + 30 * SEC;
        let mut cool_downs = Vec::new();
        for _ in 0..5 {
            assert!(matches!(breaker.admit(now), Admission::AllowProbe { .. }), "a probe after each cool-down");
            match breaker.record(now, false) {
                Some(Transition::Reopened { until, cool_down_ms, .. }) => {
                    cool_downs.push(cool_down_ms / 1_000);
                    now = until;
                }
                other => return Err(format!("a failed probe re-opens, got {other:?}")),
            }
        }
        assert_eq!(cool_downs, [60, 120, 240, 300, 300], "doubling from 30 s, capped at 5 min");
        Ok(())
    }

    #[test]
    fn a_probe_that_never_reports_is_replaced_after_a_cool_down_and_the_state_survives_json() -> Check {
        let mut breaker = opened()?;
        let probe_at = T0 + 30 * SEC;
        breaker.admit(probe_at);
        let json = serde_json::to_string(&breaker).map_err(|e| e.to_string())?;
        assert!(json.contains(r#""state":"half_open""#), "persisted as tagged JSON: {json}");
        let mut restored: BreakerState = serde_json::from_str(&json).map_err(|e| e.to_string())?;
        assert_eq!(restored, breaker, "a restart picks up where it was");
        let again = restored.admit(probe_at + 30 * SEC);
        assert_eq!(again, Admission::AllowProbe { half_open_at: probe_at }, "the lost probe is replaced");
        Ok(())
    }

    #[test]
    fn transitions_read_as_sentences() {
        let opened = Transition::Opened { at: T0, until: T0 + 30 * SEC, consecutive_failures: 5 };
        assert_eq!(opened.describe(), "circuit opened after 5 consecutive failures; half-open (one probe) in 30s");
        let reopened = Transition::Reopened { at: T0, until: T0 + MIN, cool_down_ms: 60_000 };
        assert_eq!(reopened.describe(), "probe failed: circuit re-opened for 1m");
    }
}
