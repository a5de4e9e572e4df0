//! Ready-made retry policies named after the schedules well-known senders publish.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::duration::DurationSpec;
use super::policy::{RetryPolicy, Schedule};

/// A named policy the UI offers in a picker and the CLI takes as `--policy ID`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Preset {
    /// `svix`, `stripe-like`, `standard`, `none` or `aggressive`.
    pub id: String,
    pub name: String,
    /// Where the schedule comes from, in a sentence.
    pub description: String,
    pub policy: RetryPolicy,
}

pub const PRESET_IDS: [&str; 5] = ["svix", "stripe-like", "standard", "none", "aggressive"];

fn delays(list: &[DurationSpec]) -> RetryPolicy {
    RetryPolicy::with_schedule(Schedule::Delays { list: list.to_vec() })
}

const fn s(n: u64) -> DurationSpec {
    DurationSpec::from_secs(n)
}
const fn m(n: u64) -> DurationSpec {
    DurationSpec::from_mins(n)
}
const fn h(n: u64) -> DurationSpec {
    DurationSpec::from_hours(n)
}

impl RetryPolicy {
    /// The preset with this id, or `None` for an unknown id (see [`PRESET_IDS`]).
    pub fn preset(id: &str) -> Option<RetryPolicy> {
        presets().into_iter().find(|p| p.id == id).map(|p| p.policy)
    }
}

impl Default for RetryPolicy {
    /// The `standard` preset.
    fn default() -> Self {
        delays(&[DurationSpec::ZERO, m(1), m(5), m(30), h(2), h(12), h(24)])
    }
}

/// Every preset, in the order a picker shows them.
pub fn presets() -> Vec<Preset> {
    let preset = |id: &str, name: &str, description: &str, policy: RetryPolicy| Preset {
        id: id.to_owned(),
        name: name.to_owned(),
        description: description.to_owned(),
        policy,
    };
    vec![
        preset(
            "svix",
            "Svix",
            "Svix's published schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h \
             after each failure (8 attempts over about 27.6 hours).",
            delays(&[DurationSpec::ZERO, s(5), m(5), m(30), h(2), h(5), h(10), h(10)]),
        ),
        preset(
            "stripe-like",
            "Stripe-like",
            "Stripe publishes only \"up to 3 days with an exponential back off\"; this doubles from 1 h \
             (1 h, 2 h, 4 h, 8 h, 16 h, then at most 24 h between tries) and stops at 3 days: 7 attempts, \
             at 0, 1 h, 3 h, 7 h, 15 h, 31 h and 55 h.",
            RetryPolicy {
                max_total: Some(DurationSpec::from_days(3)),
                ..RetryPolicy::with_schedule(Schedule::Exponential {
                    initial: h(1),
                    factor: 2.0,
                    cap: h(24),
                    max_attempts: None,
                })
            },
        ),
        preset(
            "standard",
            "Standard",
            "A common webhook schedule: immediately, then 1 min, 5 min, 30 min, 2 h, 12 h and 24 h \
             (7 attempts over about 38.6 hours).",
            RetryPolicy::default(),
        ),
        preset("none", "No retries", "One attempt; any failure is final.", delays(&[DurationSpec::ZERO])),
        preset(
            "aggressive",
            "Aggressive (demo)",
            "For demos and tests: immediately, then 1 s, 2 s, 5 s and 10 s.",
            delays(&[DurationSpec::ZERO, s(1), s(2), s(5), s(10)]),
        ),
    ]
}
