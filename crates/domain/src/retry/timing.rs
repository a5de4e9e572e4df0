//! Jitter (spread retries so they don't arrive in lockstep) and the time scale (watch a day in minutes).

use std::fmt;

use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

pub const DEFAULT_JITTER_PCT: u8 = 20;

/// `delay_ms` moved by a uniformly drawn amount within ±`jitter_pct` % (at most 100 %), never below 0.
/// The RNG is passed in, so a seeded one replays the same delays.
pub fn jittered<R: Rng + ?Sized>(delay_ms: u64, jitter_pct: u8, rng: &mut R) -> u64 {
    let spread = spread_ms(delay_ms, jitter_pct);
    if spread == 0 {
        return delay_ms;
    }
    rng.random_range(delay_ms.saturating_sub(spread)..=delay_ms.saturating_add(spread))
}

/// The most a delay can move either way: `delay_ms × jitter_pct / 100`, rounded down.
pub fn spread_ms(delay_ms: u64, jitter_pct: u8) -> u64 {
    let spread = u128::from(delay_ms) * u128::from(jitter_pct.min(100)) / 100;
    u64::try_from(spread).unwrap_or(u64::MAX)
}

/// How much faster than real time delays run: `1` is real time, `3600` turns an hour into a second.
/// Always finite and at least 1 (deserializing anything else fails).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct TimeScale(f64);

impl TimeScale {
    pub const REAL: TimeScale = TimeScale(1.0);

    pub fn new(factor: f64) -> Result<Self, String> {
        if factor.is_finite() && factor >= 1.0 {
            Ok(Self(factor))
        } else {
            Err(format!("time scale {factor} must be a finite number of at least 1 (1 is real time)"))
        }
    }
    pub fn factor(self) -> f64 {
        self.0
    }
    pub fn is_real(self) -> bool {
        self.0 == 1.0
    }
    /// A real delay as the clock waits it here.
    pub fn delay(self, real_ms: u64) -> ScaledDelay {
        ScaledDelay { real_ms, scaled_ms: scaled(real_ms, self.0) }
    }
    /// Clock time that passed here, as the real time it stands for.
    pub fn unscale(self, clock_ms: i64) -> u64 {
        let real = clock_ms.max(0) as f64 * self.0;
        if real >= u64::MAX as f64 { u64::MAX } else { real.round() as u64 }
    }
}

impl Default for TimeScale {
    fn default() -> Self {
        Self::REAL
    }
}

impl TryFrom<f64> for TimeScale {
    type Error = String;
    fn try_from(factor: f64) -> Result<Self, String> {
        Self::new(factor)
    }
}

impl From<TimeScale> for f64 {
    fn from(scale: TimeScale) -> f64 {
        scale.0
    }
}

impl fmt::Display for TimeScale {
    /// `3600×`, `1.5×`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.fract() == 0.0 { write!(f, "{:.0}×", self.0) } else { write!(f, "{}×", self.0) }
    }
}

impl utoipa::PartialSchema for TimeScale {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .description(Some("Speed factor for delays: 1 is real time, 3600 turns an hour into a second."))
            .minimum(Some(1.0))
            .examples([60.0])
            .into()
    }
}

impl utoipa::ToSchema for TimeScale {}

/// `delay_ms / factor`, rounded to the millisecond. A factor below 1 (or not a number) counts as 1.
pub fn scaled(delay_ms: u64, factor: f64) -> u64 {
    if factor.is_nan() || factor <= 1.0 {
        return delay_ms;
    }
    (delay_ms as f64 / factor).round() as u64
}

/// One delay both ways: as the policy means it (real) and as the clock waits it at this time scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScaledDelay {
    pub real_ms: u64,
    pub scaled_ms: u64,
}
