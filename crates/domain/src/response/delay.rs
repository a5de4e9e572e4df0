//! How long to wait before answering: none, fixed, uniform in a range, or log-normal with a long tail.
//!
//! The log-normal form is given by two percentiles people can reason about, p50 and p99. For
//! `X = exp(mu + sigma * Z)` with `Z` standard normal, the median is `exp(mu)`, so `mu = ln(p50)`;
//! the 99th percentile is `exp(mu + z99 * sigma)` with `z99 = Φ⁻¹(0.99) ≈ 2.326348`, so
//! `sigma = ln(p99 / p50) / z99`. `Z` is drawn with the Box–Muller transform from two uniforms.

use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// No delay is ever longer than ten minutes: a request held longer is a timeout, not latency.
pub const MAX_DELAY_MS: u64 = 600_000;

/// Φ⁻¹(0.99): how many standard deviations above the mean the 99th percentile of a normal lies.
const Z_99: f64 = 2.326_347_874_040_840_8;

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Delay {
    #[default]
    None,
    Fixed {
        ms: u64,
    },
    /// Uniform over `min_ms..=max_ms`.
    Uniform {
        min_ms: u64,
        max_ms: u64,
    },
    /// Log-normal with the given median and 99th percentile (`p99_ms` ≥ `p50_ms` > 0).
    LogNormal {
        p50_ms: u64,
        p99_ms: u64,
    },
}

impl Delay {
    /// One delay in milliseconds, never above `MAX_DELAY_MS`. Invalid settings (a reversed range,
    /// a zero median) are read the closest sensible way rather than panicking.
    pub fn sample_ms(&self, rng: &mut dyn RngCore) -> u64 {
        let ms = match *self {
            Delay::None => 0,
            Delay::Fixed { ms } => ms,
            Delay::Uniform { min_ms, max_ms } => rng.random_range(min_ms.min(max_ms)..=max_ms.max(min_ms)),
            Delay::LogNormal { p50_ms, p99_ms } => {
                let (mu, sigma) = log_normal_params(p50_ms, p99_ms);
                let z = standard_normal(rng);
                let x = (mu + sigma * z).exp().round();
                if x.is_finite() && x > 0.0 { x.min(MAX_DELAY_MS as f64) as u64 } else { 0 }
            }
        };
        ms.min(MAX_DELAY_MS)
    }

    /// A short description: `1200 ms`, `100–900 ms`, `p50 200 ms, p99 5000 ms`.
    pub fn describe(&self) -> String {
        match *self {
            Delay::None => "no delay".to_owned(),
            Delay::Fixed { ms } => format!("{ms} ms"),
            Delay::Uniform { min_ms, max_ms } => format!("{min_ms}–{max_ms} ms"),
            Delay::LogNormal { p50_ms, p99_ms } => format!("p50 {p50_ms} ms, p99 {p99_ms} ms"),
        }
    }

    /// What is wrong with these settings, as (field, message) pairs.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let mut at_most = |field, ms: u64| {
            if ms > MAX_DELAY_MS {
                problems.push((field, format!("{ms} ms is longer than the maximum of {MAX_DELAY_MS} ms")));
            }
        };
        match *self {
            Delay::None => {}
            Delay::Fixed { ms } => at_most("ms", ms),
            Delay::Uniform { min_ms, max_ms } => {
                at_most("max_ms", max_ms);
                if min_ms > max_ms {
                    problems.push(("min_ms", format!("{min_ms} ms is more than max_ms ({max_ms} ms)")));
                }
            }
            Delay::LogNormal { p50_ms, p99_ms } => {
                at_most("p99_ms", p99_ms);
                if p50_ms == 0 {
                    problems.push(("p50_ms", "the median must be at least 1 ms".to_owned()));
                }
                if p99_ms < p50_ms {
                    problems.push(("p99_ms", format!("p99 ({p99_ms} ms) must not be below p50 ({p50_ms} ms)")));
                }
            }
        }
        problems
    }
}

/// `(mu, sigma)` of the log-normal whose median is `p50` and 99th percentile is `p99` (see module doc).
pub fn log_normal_params(p50_ms: u64, p99_ms: u64) -> (f64, f64) {
    let p50 = (p50_ms.max(1)) as f64;
    let p99 = (p99_ms as f64).max(p50);
    (p50.ln(), (p99 / p50).ln() / Z_99)
}

/// A standard normal draw (Box–Muller). `u1` is kept away from 0 so its logarithm is finite.
fn standard_normal(rng: &mut dyn RngCore) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
