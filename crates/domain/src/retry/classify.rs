//! What an attempt's outcome means for the event: delivered, worth another try, or final.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use super::retry_after::RetryAfterValue;

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// The target answered.
    Response {
        status: u16,
        #[serde(default)]
        retry_after: Option<RetryAfterValue>,
    },
    /// No answer: why not.
    Error { class: ErrorClass },
}

/// Why an attempt got no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    Dns,
    ConnectRefused,
    Reset,
    Tls,
    Timeout,
    /// The engine stopped while the attempt was in flight (found on restart).
    Interrupted,
    Other,
}

impl ErrorClass {
    pub const ALL: [ErrorClass; 7] = [
        ErrorClass::Dns,
        ErrorClass::ConnectRefused,
        ErrorClass::Reset,
        ErrorClass::Tls,
        ErrorClass::Timeout,
        ErrorClass::Interrupted,
        ErrorClass::Other,
    ];

    /// The words used on the timeline.
    pub fn describe(self) -> &'static str {
        match self {
            ErrorClass::Dns => "DNS lookup failure",
            ErrorClass::ConnectRefused => "connection refused",
            ErrorClass::Reset => "connection reset",
            ErrorClass::Tls => "TLS failure",
            ErrorClass::Timeout => "timeout",
            ErrorClass::Interrupted => "interrupted attempt",
            ErrorClass::Other => "connection error",
        }
    }
}

/// The verdict on one outcome; the reason is a phrase for the timeline ("503 is retryable").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeClass {
    Success,
    Retryable(String),
    Terminal(String),
}

/// Which failures are worth another attempt. Anything else that is not 2xx is terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RetryOn {
    /// DNS, refused, reset, TLS and other connection failures.
    #[serde(default = "yes")]
    pub connection_errors: bool,
    /// The target did not answer within the destination's request timeout.
    #[serde(default = "yes")]
    pub timeouts: bool,
    /// Statuses to retry: exact (`429`), a class (`5xx`) or a range (`500-504`).
    #[serde(default = "default_statuses")]
    pub statuses: Vec<StatusMatcher>,
}

fn yes() -> bool {
    true
}

fn default_statuses() -> Vec<StatusMatcher> {
    vec![StatusMatcher::class(5), StatusMatcher::exact(429), StatusMatcher::exact(408)]
}

impl Default for RetryOn {
    /// Connection errors, timeouts, 5xx, 429 and 408.
    fn default() -> Self {
        Self { connection_errors: true, timeouts: true, statuses: default_statuses() }
    }
}

impl RetryOn {
    pub fn classify(&self, outcome: &AttemptOutcome) -> OutcomeClass {
        match *outcome {
            AttemptOutcome::Response { status, .. } if (200..300).contains(&status) => OutcomeClass::Success,
            AttemptOutcome::Response { status, .. } => {
                if self.statuses.iter().any(|m| m.matches(status)) {
                    OutcomeClass::Retryable(format!("{status} is retryable"))
                } else {
                    OutcomeClass::Terminal(format!("{status} is not retryable"))
                }
            }
            // Don't make this configurable: the target never saw a complete attempt, and
            // at-least-once delivery means the engine owes it one.
            AttemptOutcome::Error { class: ErrorClass::Interrupted } => {
                OutcomeClass::Retryable("the attempt was interrupted mid-flight, so it is retried".to_owned())
            }
            AttemptOutcome::Error { class } => {
                let (enabled, setting) = match class {
                    ErrorClass::Timeout => (self.timeouts, "timeouts"),
                    _ => (self.connection_errors, "connection_errors"),
                };
                if enabled {
                    OutcomeClass::Retryable(format!("{} is retryable", class.describe()))
                } else {
                    OutcomeClass::Terminal(format!("{} is not retryable (retry_on.{setting} is off)", class.describe()))
                }
            }
        }
    }

    /// Every problem, each prefixed with its field path under `prefix` (e.g. `retry_on.statuses[1]`).
    pub fn problems(&self, prefix: &str) -> Vec<String> {
        self.statuses
            .iter()
            .enumerate()
            .filter(|(_, m)| m.from <= 299 && m.to >= 200)
            .map(|(i, m)| format!("{prefix}.statuses[{i}]: '{m}' includes 2xx, which means delivered, not retry"))
            .collect()
    }
}

/// A set of statuses, written `429`, `5xx` or `500-504`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusMatcher {
    from: u16,
    to: u16,
}

impl StatusMatcher {
    pub const fn exact(status: u16) -> Self {
        Self { from: status, to: status }
    }
    /// `class(5)` is `5xx`.
    pub const fn class(hundreds: u16) -> Self {
        Self { from: hundreds * 100, to: hundreds * 100 + 99 }
    }
    pub fn matches(&self, status: u16) -> bool {
        (self.from..=self.to).contains(&status)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let status = |s: &str| -> Result<u16, String> {
            match s.trim().parse::<u16>() {
                Ok(n) if (100..=599).contains(&n) => Ok(n),
                _ => Err(format!("'{text}': '{}' is not an HTTP status (100–599)", s.trim())),
            }
        };
        let lower = text.to_ascii_lowercase();
        if let Some(hundreds) = lower.strip_suffix("xx") {
            return match hundreds.parse::<u16>() {
                Ok(h) if (1..=5).contains(&h) => Ok(Self::class(h)),
                _ => Err(format!("'{text}': a status class is 1xx to 5xx")),
            };
        }
        if let Some((from, to)) = text.split_once('-') {
            let (from, to) = (status(from)?, status(to)?);
            if from > to {
                return Err(format!("'{text}': the range runs backwards"));
            }
            return Ok(Self { from, to });
        }
        status(text).map(Self::exact)
    }
}

impl fmt::Display for StatusMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else if self.from.is_multiple_of(100) && self.to == self.from + 99 {
            write!(f, "{}xx", self.from / 100)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

impl Serialize for StatusMatcher {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for StatusMatcher {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Number(u16),
            Text(String),
        }
        match Written::deserialize(deserializer)? {
            Written::Number(n) => Self::parse(&n.to_string()),
            Written::Text(s) => Self::parse(&s),
        }
        .map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for StatusMatcher {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("An HTTP status (`429`), a class (`5xx`) or an inclusive range (`500-504`)."))
            .examples(["5xx"])
            .into()
    }
}

impl utoipa::ToSchema for StatusMatcher {}
