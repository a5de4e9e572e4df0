//! Rate and concurrency limits per destination.
//!
//! Why both: when a target comes back after an outage (or its circuit closes), every event that
//! was waiting is due at once. Sending them all together is a thundering herd that can knock the
//! target straight back over. A token bucket spreads them out over time (with a burst for the
//! first few), and a cap on attempts in flight stops slow responses from piling up connections.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Timestamp;

/// Attempts per second on average, with up to `burst` at once after a quiet spell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RateLimit {
    pub per_second: f64,
    #[serde(default = "default_burst")]
    pub burst: u32,
}

fn default_burst() -> u32 {
    1
}

impl RateLimit {
    /// Every problem, each as `{prefix}.field: what is wrong`.
    pub fn problems(&self, prefix: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if !(self.per_second.is_finite() && self.per_second > 0.0) {
            problems.push(format!("{prefix}.per_second: {} must be a number above 0, e.g. 10", self.per_second));
        }
        if self.burst == 0 {
            problems.push(format!("{prefix}.burst: must be at least 1"));
        }
        problems
    }
}

/// A destination's limits; `null` for either means no limit of that kind.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct DeliveryLimits {
    #[serde(default)]
    pub rate: Option<RateLimit>,
    #[serde(default)]
    pub max_in_flight: Option<u32>,
}

impl DeliveryLimits {
    pub fn problems(&self, prefix: &str) -> Vec<String> {
        let mut problems = self.rate.as_ref().map(|r| r.problems(&format!("{prefix}.rate"))).unwrap_or_default();
        if self.max_in_flight == Some(0) {
            problems.push(format!("{prefix}.max_in_flight: must be at least 1 (null for no limit)"));
        }
        problems
    }
}

/// Whether one more attempt may start while `in_flight` are running, under a cap of `max`.
pub fn may_start(in_flight: u32, max: u32) -> bool {
    in_flight < max
}

/// A token bucket: holds up to `burst` tokens, gains `per_second` of them a second, and each
/// attempt takes one. Starts full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenBucket {
    per_second: f64,
    burst: u32,
    tokens: f64,
    refilled_at: Timestamp,
}

/// Don't let float dust decide: 0.999_999_999_9 tokens after an exact refill is a whole token.
const EPSILON: f64 = 1e-9;

impl TokenBucket {
    pub fn new(limit: &RateLimit, now: Timestamp) -> Self {
        Self { per_second: limit.per_second, burst: limit.burst, tokens: f64::from(limit.burst), refilled_at: now }
    }

    /// Takes a token if one is there at `now`; otherwise says when the next one will be.
    /// A clock that moved backwards adds no tokens.
    pub fn try_take(&mut self, now: Timestamp) -> Result<(), Timestamp> {
        self.refill(now);
        if self.tokens + EPSILON >= 1.0 {
            self.tokens = (self.tokens - 1.0).max(0.0);
            return Ok(());
        }
        if !(self.per_second.is_finite() && self.per_second > 0.0) {
            return Err(Timestamp::MAX);
        }
        let wait_ms = ((1.0 - self.tokens) * 1_000.0 / self.per_second - EPSILON).ceil().max(1.0);
        Err(now.saturating_add(if wait_ms >= i64::MAX as f64 { i64::MAX } else { wait_ms as i64 }))
    }

    /// Tokens available at `now`, without taking any.
    pub fn available(&mut self, now: Timestamp) -> f64 {
        self.refill(now);
        self.tokens
    }

    fn refill(&mut self, now: Timestamp) {
        if now <= self.refilled_at {
            return;
        }
        let gained = (now - self.refilled_at) as f64 * self.per_second / 1_000.0;
        if gained.is_finite() && gained > 0.0 {
            self.tokens = (self.tokens + gained).min(f64::from(self.burst));
        }
        self.refilled_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_spends_its_burst_then_refills_at_the_rate_and_says_when() {
        let mut bucket = TokenBucket::new(&RateLimit { per_second: 2.0, burst: 3 }, 0);
        assert_eq!(
            [bucket.try_take(0), bucket.try_take(0), bucket.try_take(0)],
            [Ok(()), Ok(()), Ok(())],
            "burst of 3"
        );
        assert_eq!(bucket.try_take(0), Err(500), "2 per second: the next token in 500 ms");
        assert_eq!(bucket.try_take(499), Err(500), "not a millisecond early");
        assert_eq!(bucket.try_take(500), Ok(()), "there it is");
        assert_eq!(bucket.try_take(500), Err(1_000), "and the one after");
        assert_eq!(bucket.available(60_000), 3.0, "a long quiet spell refills only up to the burst");
        let mut slow = TokenBucket::new(&RateLimit { per_second: 0.5, burst: 1 }, 0);
        assert_eq!((slow.try_take(0), slow.try_take(0)), (Ok(()), Err(2_000)), "half a token a second: 2 s apart");
    }

    #[test]
    fn attempts_start_only_below_the_in_flight_cap_and_bad_limits_are_named() {
        assert!(may_start(2, 3) && !may_start(3, 3), "the cap is a maximum, not a minimum");
        let problems = RateLimit { per_second: 0.0, burst: 0 }.problems("limits.rate");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("limits.rate.per_second:") && problems[1].starts_with("limits.rate.burst:"));
    }
}
