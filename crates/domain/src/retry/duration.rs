//! Durations as people write them in a schedule (`0`, `500ms`, `30s`, `2m`, `1h30m`, `3d`), both ways.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

const UNITS: &[(&str, u64)] = &[("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];

/// A non-negative duration in milliseconds that (de)serializes as a human string such as `"2m"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DurationSpec(u64);

impl DurationSpec {
    pub const ZERO: DurationSpec = DurationSpec(0);

    pub const fn from_ms(ms: u64) -> Self {
        Self(ms)
    }
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs.saturating_mul(1_000))
    }
    pub const fn from_mins(mins: u64) -> Self {
        Self(mins.saturating_mul(60_000))
    }
    pub const fn from_hours(hours: u64) -> Self {
        Self(hours.saturating_mul(3_600_000))
    }
    pub const fn from_days(days: u64) -> Self {
        Self(days.saturating_mul(86_400_000))
    }
    pub const fn as_ms(self) -> u64 {
        self.0
    }

    /// Parses `0`, or one or more `<integer><unit>` parts (units `ms`, `s`, `m`, `h`, `d`), e.g. `1h30m`.
    /// Spaces between parts are allowed (`1h 30m`). The error quotes the text and says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.is_empty() {
            return Err("empty duration; write e.g. 0, 30s, 2m, 1h or 1h30m".to_owned());
        }
        if compact.bytes().all(|b| b == b'0') {
            return Ok(Self::ZERO);
        }
        let mut total: u64 = 0;
        let mut rest = compact.as_str();
        while !rest.is_empty() {
            let digits_len = rest.bytes().take_while(u8::is_ascii_digit).count();
            let (digits, after) = rest.split_at(digits_len);
            if digits.is_empty() {
                return Err(format!("'{text}': expected a number before '{after}' (e.g. 30s, 2m, 1h)"));
            }
            let unit_len = after.bytes().take_while(u8::is_ascii_alphabetic).count();
            let (unit, next) = after.split_at(unit_len);
            let Some(&(_, unit_ms)) = UNITS.iter().find(|(name, _)| name.eq_ignore_ascii_case(unit)) else {
                return Err(if unit.is_empty() {
                    format!("'{text}': '{digits}' has no unit; add one of ms, s, m, h, d (e.g. {digits}s)")
                } else {
                    format!("'{text}': unknown unit '{unit}'; use ms, s, m, h or d")
                });
            };
            let amount: u64 = digits.parse().map_err(|_| format!("'{text}': '{digits}' is too large"))?;
            total = amount
                .checked_mul(unit_ms)
                .and_then(|part| total.checked_add(part))
                .ok_or_else(|| format!("'{text}' is too long a duration"))?;
            rest = next;
        }
        Ok(Self(total))
    }
}

impl fmt::Display for DurationSpec {
    /// An exact form as people write schedules: `0`, `1s500ms`, `1m30s`, `24h`, `36h`, `3d`. Days
    /// only for a whole number of at least two, because `24h` and `36h` read better than `1d`, `1d12h`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DAY: u64 = 86_400_000;
        if self.0 == 0 {
            return f.write_str("0");
        }
        if self.0.is_multiple_of(DAY) && self.0 >= 2 * DAY {
            return write!(f, "{}d", self.0 / DAY);
        }
        let mut rest = self.0;
        for &(unit, unit_ms) in UNITS.iter().filter(|(unit, _)| *unit != "d") {
            let amount = rest / unit_ms;
            if amount > 0 {
                write!(f, "{amount}{unit}")?;
                rest %= unit_ms;
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for DurationSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for DurationSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DurationSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for DurationSpec {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A duration: `0` or integer parts with units ms, s, m, h, d, e.g. `30s`, `2m`, `1h30m`."))
            .pattern(Some(r"^\s*(0+|(\d+\s*(ms|s|m|h|d)\s*)+)$"))
            .examples(["30s"])
            .into()
    }
}

impl utoipa::ToSchema for DurationSpec {}

/// Parses a comma-separated list of delays, e.g. `"0, 30s, 2m, 10m, 1h"`. The error names the
/// item by position and text, so a person can find it in what they typed.
pub fn parse_schedule(text: &str) -> Result<Vec<DurationSpec>, String> {
    if text.trim().is_empty() {
        return Err("the schedule is empty; write delays separated by commas, e.g. 0, 30s, 2m, 10m, 1h".to_owned());
    }
    text.split(',')
        .enumerate()
        .map(|(index, item)| {
            let item = item.trim();
            if item.is_empty() {
                return Err(format!("item {} is empty (two commas in a row?)", index + 1));
            }
            DurationSpec::parse(item).map_err(|e| format!("item {} {e}", index + 1))
        })
        .collect()
}

/// The inverse of [`parse_schedule`]: `0, 30s, 2m, 10m, 1h`.
pub fn format_schedule(delays: &[DurationSpec]) -> String {
    delays.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}
