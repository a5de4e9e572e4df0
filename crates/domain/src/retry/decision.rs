//! The decision after an attempt ends (deliver, retry at a time, or give up) and the plan ahead.

use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::classify::{AttemptOutcome, OutcomeClass};
use super::duration::DurationSpec;
use super::policy::RetryPolicy;
use super::timing::{ScaledDelay, TimeScale, jittered};
use crate::Timestamp;

/// What happens to the event after an attempt. `because` is the sentence the timeline shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NextStep {
    /// Delivered.
    Done,
    /// Attempt `attempt` is due at `at` (clock time, after scaling); `delay` holds the wait both ways.
    RetryAt { at: Timestamp, attempt: u32, delay: ScaledDelay, because: String },
    /// No more attempts: the event becomes a dead letter.
    GiveUp { because: String },
}

/// Decides what follows attempt `attempt_number` (1-based, the one that just ended at `now`).
///
/// - Success is `Done`; a terminal outcome gives up at once.
/// - A retryable one waits the schedule's next delay with jitter, or the target's `Retry-After`
///   (no jitter: the target named its time) bounded by `policy.retry_after_max`.
/// - `max_total` is measured in real time from `first_attempt_at`: clock time elapsed here is
///   multiplied by the scale, so a sped-up run gives up after the same attempt a real one would.
/// - The wait is divided by `scale` to give `at`; both the real and the scaled wait are returned.
pub fn next_step<R: Rng + ?Sized>(
    policy: &RetryPolicy,
    attempt_number: u32,
    first_attempt_at: Timestamp,
    now: Timestamp,
    outcome: &AttemptOutcome,
    scale: TimeScale,
    rng: &mut R,
) -> NextStep {
    let reason = match policy.retry_on.classify(outcome) {
        OutcomeClass::Success => return NextStep::Done,
        OutcomeClass::Terminal(reason) => return NextStep::GiveUp { because: format!("{reason}: dead letter") },
        OutcomeClass::Retryable(reason) => reason,
    };
    let ended = attempt_number.max(1);
    let next = ended.saturating_add(1);
    let Some(scheduled_ms) = policy.schedule.delay_before(next) else {
        return NextStep::GiveUp {
            because: format!("{reason}; schedule exhausted after {ended} attempts: dead letter"),
        };
    };
    let retry_after = match outcome {
        AttemptOutcome::Response { retry_after: Some(value), .. } => Some(*value),
        _ => None,
    };
    let cap = policy.retry_after_max;
    let (nominal_ms, wait_ms, how) = match retry_after {
        Some(value) => {
            let asked = value.delay_ms(now);
            let said = value.describe(now);
            if asked > cap.as_ms() {
                (cap.as_ms(), cap.as_ms(), format!("Retry-After: {said} capped at {cap}; "))
            } else {
                (asked, asked, format!("Retry-After: {said} honoured (capped at {cap}); "))
            }
        }
        None => (scheduled_ms, jittered(scheduled_ms, policy.jitter_pct, rng), String::new()),
    };
    let mut wait_ms = wait_ms;
    if let Some(max_total) = policy.max_total {
        let elapsed = scale.unscale(now.saturating_sub(first_attempt_at));
        let left = max_total.as_ms().saturating_sub(elapsed);
        if nominal_ms > left {
            return NextStep::GiveUp {
                because: format!("{reason}; max total duration {max_total} reached: dead letter"),
            };
        }
        // Jitter may push past the bound the plan respected; keep the attempt, at the bound.
        wait_ms = wait_ms.min(left);
    }
    let delay = scale.delay(wait_ms);
    let of_total = policy.schedule.stated_attempts().map(|n| format!(" of {n}")).unwrap_or_default();
    let when = if nominal_ms == 0 { "now".to_owned() } else { format!("at +{}", DurationSpec::from_ms(nominal_ms)) };
    let jitter = if retry_after.is_none() && nominal_ms > 0 && policy.jitter_pct > 0 {
        format!(" (±{} % jitter)", policy.jitter_pct)
    } else {
        String::new()
    };
    let speed = if scale.is_real() {
        String::new()
    } else {
        format!("; at {scale} that is +{} on the clock", DurationSpec::from_ms(delay.scaled_ms))
    };
    NextStep::RetryAt {
        at: now.saturating_add(i64::try_from(delay.scaled_ms).unwrap_or(i64::MAX)),
        attempt: next,
        delay,
        because: format!("{reason}; {how}attempt {next}{of_total} {when}{jitter}{speed}"),
    }
}

/// One attempt of the plan ahead, placed both in real time and on the (scaled) clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlannedAttempt {
    pub attempt: u32,
    /// From the first attempt: as the policy means it (real) and as the clock waits it (scaled).
    pub offset: ScaledDelay,
    /// `first_attempt_at` + the scaled offset.
    pub at: Timestamp,
}

/// Every attempt the policy allows, the first included, assuming each attempt takes no time and
/// fails; without jitter. For drawing the timeline ahead of the event.
pub fn planned_attempts(policy: &RetryPolicy, first_attempt_at: Timestamp, scale: TimeScale) -> Vec<PlannedAttempt> {
    let mut plan = Vec::new();
    let mut offset_ms: u64 = 0;
    for attempt in 1..=policy.schedule.max_attempts() {
        if attempt > 1 {
            let Some(delay) = policy.schedule.delay_before(attempt) else { break };
            offset_ms = offset_ms.saturating_add(delay);
        }
        if policy.max_total.is_some_and(|max| offset_ms > max.as_ms()) {
            break;
        }
        let offset = scale.delay(offset_ms);
        let at = first_attempt_at.saturating_add(i64::try_from(offset.scaled_ms).unwrap_or(i64::MAX));
        plan.push(PlannedAttempt { attempt, offset, at });
    }
    plan
}

/// The due times of [`planned_attempts`] at real time, attempt 1 (at `first_attempt_at`) first.
pub fn planned_schedule(policy: &RetryPolicy, first_attempt_at: Timestamp) -> Vec<Timestamp> {
    planned_attempts(policy, first_attempt_at, TimeScale::REAL).into_iter().map(|p| p.at).collect()
}
