//! Retry policy maths for outbound events: schedules, presets, jitter, what retries, `Retry-After`,
//! the decision after each attempt and the time scale. Pure: time and randomness come in as
//! arguments (`now`, a seeded RNG), so a 3-day schedule is walked in a test in microseconds.

mod classify;
mod decision;
mod duration;
mod policy;
mod presets;
mod retry_after;
mod timing;

pub use classify::{AttemptOutcome, ErrorClass, OutcomeClass, RetryOn, StatusMatcher};
pub use decision::{NextStep, PlannedAttempt, next_step, planned_attempts, planned_schedule};
pub use duration::{DurationSpec, format_schedule, parse_schedule};
pub use policy::{DEFAULT_RETRY_AFTER_MAX, MAX_ATTEMPTS, RetryPolicy, Schedule};
pub use presets::{PRESET_IDS, Preset, presets};
pub use retry_after::{RetryAfterValue, parse_http_date};
pub use timing::{DEFAULT_JITTER_PCT, ScaledDelay, TimeScale, jittered, scaled, spread_ms};
