//! `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP date, turned into a delay from `now`.

use serde::{Deserialize, Serialize};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::parsing::Parsed;
use time::{Date, PrimitiveDateTime, Time};
use utoipa::ToSchema;

use crate::Timestamp;

/// A `Retry-After` value as the target sent it, already parsed (the engine stores it with the attempt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetryAfterValue {
    /// `Retry-After: 120`.
    Seconds(u64),
    /// `Retry-After: Sun, 06 Nov 1994 08:49:37 GMT`, as unix milliseconds.
    Date(Timestamp),
}

/// IMF-fixdate, the form senders must use: `Sun, 06 Nov 1994 08:49:37 GMT`.
const IMF_FIXDATE: &[BorrowedFormatItem<'_>] =
    format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
/// Obsolete RFC 850 form with a two-digit year: `Sunday, 06-Nov-94 08:49:37 GMT`.
const RFC850: &[BorrowedFormatItem<'_>] = format_description!(
    "[weekday repr:long], [day]-[month repr:short]-[year repr:last_two] [hour]:[minute]:[second] GMT"
);
/// Obsolete ANSI C `asctime()` form, day padded with a space: `Sun Nov  6 08:49:37 1994`.
const ASCTIME: &[BorrowedFormatItem<'_>] =
    format_description!("[weekday repr:short] [month repr:short] [day padding:space] [hour]:[minute]:[second] [year]");

impl RetryAfterValue {
    /// Parses a header value. `now` resolves the two-digit years of the RFC 850 form.
    pub fn parse(value: &str, now: Timestamp) -> Result<Self, String> {
        let value = value.trim();
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            return value.parse().map(Self::Seconds).map_err(|_| format!("Retry-After '{value}' is too many seconds"));
        }
        parse_http_date(value, now).map(Self::Date)
    }

    /// How long the target asked us to wait, from `now`; a date in the past asks for no wait.
    pub fn delay_ms(self, now: Timestamp) -> u64 {
        match self {
            Self::Seconds(secs) => secs.saturating_mul(1_000),
            Self::Date(at) => u64::try_from(at.saturating_sub(now)).unwrap_or(0),
        }
    }

    /// How the header read, for sentences on the timeline: `120 s` or `a date 2 m ahead`.
    pub fn describe(self, now: Timestamp) -> String {
        match self {
            Self::Seconds(secs) => format!("{secs} s"),
            Self::Date(_) => format!("a date {} s ahead", self.delay_ms(now) / 1_000),
        }
    }
}

/// Parses an HTTP date in any of the three forms RFC 9110 §5.6.7 lists, to unix milliseconds.
/// The weekday is read but not checked against the date (the date wins, as recipients do in practice).
pub fn parse_http_date(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    let text = text.trim();
    let parsed = [IMF_FIXDATE, RFC850, ASCTIME].into_iter().find_map(|format| {
        let mut parsed = Parsed::new();
        match parsed.parse_items(text.as_bytes(), format) {
            Ok([]) => Some(parsed),
            _ => None,
        }
    });
    let Some(parsed) = parsed else {
        return Err(format!(
            "Retry-After '{text}' is neither seconds nor an HTTP date (e.g. 120, or Sun, 06 Nov 1994 08:49:37 GMT)"
        ));
    };
    let year = match (parsed.year(), parsed.year_last_two()) {
        (Some(year), _) => year,
        (None, Some(last_two)) => resolve_two_digit_year(last_two, now),
        (None, None) => return Err(format!("Retry-After '{text}' has no year")),
    };
    let out_of_range = |e: time::error::ComponentRange| format!("Retry-After '{text}' is not a real date: {e}");
    let (Some(month), Some(day), Some(hour), Some(minute), Some(second)) =
        (parsed.month(), parsed.day(), parsed.hour_24(), parsed.minute(), parsed.second())
    else {
        return Err(format!("Retry-After '{text}' is missing part of its date or time"));
    };
    let date = Date::from_calendar_date(year, month, day.get()).map_err(out_of_range)?;
    let clock_time = Time::from_hms(hour, minute, second).map_err(out_of_range)?;
    let seconds = PrimitiveDateTime::new(date, clock_time).assume_utc().unix_timestamp();
    Ok(seconds.saturating_mul(1_000))
}

/// RFC 9110: a two-digit year more than 50 years in the future means the most recent past year
/// with those last two digits.
fn resolve_two_digit_year(last_two: u8, now: Timestamp) -> i32 {
    let this_year = time::OffsetDateTime::from_unix_timestamp(now.div_euclid(1_000)).map(|t| t.year()).unwrap_or(1970);
    let century = this_year - this_year.rem_euclid(100);
    let candidate = century + i32::from(last_two);
    if candidate > this_year + 50 { candidate - 100 } else { candidate }
}
