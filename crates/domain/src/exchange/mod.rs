//! Export and import formats: captures and event attempts as HAR 1.2, JSON Lines and cURL scripts,
//! and HAR files or pasted `curl` commands back into requests. Pure: bytes in, bytes out.
//!
//! Every format maps to one neutral [`ExchangeRecord`] (a request, what answered it, and the ids that
//! say where it came from). Writers take the records and a [`Redaction`]; readers return records
//! and never panic on input: a problem is an [`ImportError`] naming where it is (`entries[3].request.url`,
//! `line 7`, `command 2: --form`), and [`ImportLimits`] bound what a hostile file can make us hold.
//!
//! # Redaction
//!
//! Exports redact by default, like Chrome's "Export HAR (sanitized)": [`Redaction::default`] replaces
//! the value of every header in [`DEFAULT_REDACTED_HEADERS`] (credentials, cookies and the signature
//! headers of every scheme Hookbench verifies) with `[redacted]`, in requests and responses. A header
//! keeps its name and place, so the export still shows that it was sent. [`Redaction::none`] turns it
//! off (the user asks for it explicitly: an export to replay elsewhere needs the signatures).
//! `secrets` adds exact strings (signing secrets, tokens) replaced by `[redacted]` wherever they occur:
//! header values, URLs, bodies, and their percent-encoded form. Redaction changes bytes, so a redacted
//! export no longer round-trips exactly; an unredacted one does.
//!
//! # Round trips
//!
//! HAR and JSON Lines keep method, URL, header names, order, repeats and exact value bytes (non-UTF-8
//! values in a `_value_base64` / `value_base64` field), and body bytes. A cURL script drops what curl
//! computes itself (`Host`, `Content-Length`, `Transfer-Encoding`, `Connection`), exactly as the UI's
//! "Copy as cURL" does; everything else reads back identical.

mod curl_read;
mod curl_write;
mod har;
mod jsonl;
pub mod probe;
mod redact;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::capture::{Capture, Header, HeaderView};
use crate::outbox::{Attempt, Event};

pub use curl_read::read_curl;
pub use curl_write::{bash_quote, curl_command, printf_argument, write_curl_script};
pub use har::{read_har, write_har};
pub use jsonl::{FORMAT as JSONL_FORMAT, read_jsonl, write_jsonl};
pub use redact::{DEFAULT_REDACTED_HEADERS, REDACTED, Redaction};

/// The name writers put in `creator` fields and comments.
pub const CREATOR: &str = "Hookbench";
/// This crate's version, written next to [`CREATOR`].
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What a record was in Hookbench.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// An inbound request the receiver captured.
    Capture,
    /// One HTTP try of an outbound event.
    EventAttempt,
    /// An outbound event not tried yet: the request it will send, without signature headers.
    Event,
    /// A request from elsewhere: a foreign HAR entry or a `curl` command.
    Request,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Capture => "capture",
            RecordKind::EventAttempt => "event_attempt",
            RecordKind::Event => "event",
            RecordKind::Request => "request",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [RecordKind::Capture, RecordKind::EventAttempt, RecordKind::Event, RecordKind::Request]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// One request, what answered it, and where it came from: the shape every format maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRecord {
    pub kind: RecordKind,
    /// `capture:12`, `event:7/attempt:2`, `event:7`; `None` for a foreign request.
    pub id: Option<String>,
    /// When the request started (received, or sent), ms since the epoch.
    pub started_at: Timestamp,
    pub method: String,
    /// The full URL: scheme, host, path and query.
    pub url: String,
    /// As written on the request line: `HTTP/1.1`, `HTTP/2.0`.
    pub http_version: String,
    /// Names keep their case, values their bytes; order and repeats kept.
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
    pub response: Option<RecordResponse>,
    /// How long the exchange took, when known.
    pub duration_ms: Option<u64>,
    /// Why there was no response, when there was none.
    pub error: Option<String>,
    pub meta: RecordMeta,
}

/// What answered a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordResponse {
    pub status: u16,
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
    /// The body was cut (an attempt keeps at most 64 KiB of it).
    pub body_truncated: bool,
}

/// Hookbench's ids and facts about a record; every field is optional so foreign records leave them out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordMeta {
    /// The capture itself, or the capture an event replays or forwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_id: Option<i64>,
    /// The signature verdict of a capture, when its endpoint checks signatures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict_valid: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_addr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<i64>,
    /// How the receiver answered when it was not a plain status (`rule 'paid'`, `connection reset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_note: Option<String>,
    /// The capture's body was over the size limit and not stored: `body` is empty, not the body.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub body_not_stored: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_id: Option<i64>,
    /// 1-based.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_number: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_state: Option<String>,
    /// How the event came to be: `send`, `resend`, `replay`, `forward`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Why an attempt got no response (`timeout`, `connect_refused`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_class: Option<String>,
    /// Free text: a HAR entry's `comment`, a note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

fn decode_base64(text: &str) -> Vec<u8> {
    BASE64.decode(text.trim()).unwrap_or_default()
}

fn headers_of(views: &[HeaderView]) -> Vec<Header> {
    views.iter().map(HeaderView::to_header).collect()
}

impl ExchangeRecord {
    /// A capture as a record. `receiver_base` (e.g. `http://127.0.0.1:9000`) rebuilds the URL as the
    /// UI's "Copy as cURL" does (`base` + path + `?query`); `None` keeps the URL the client used.
    /// `path` and `query` come from the URL when it is used as is.
    pub fn from_capture(capture: &Capture, receiver_base: Option<&str>) -> Self {
        let s = &capture.summary;
        let url = match receiver_base {
            Some(base) => {
                let mut url = base.trim_end_matches('/').to_owned();
                url.push_str(&s.path);
                if let Some(query) = &s.query {
                    url.push('?');
                    url.push_str(query);
                }
                url
            }
            None => capture.url.clone(),
        };
        let (response, error) = if s.response_status == 0 {
            (None, Some(s.response_note.clone().unwrap_or_else(|| "the receiver sent no HTTP answer".to_owned())))
        } else {
            (
                Some(RecordResponse {
                    status: s.response_status,
                    headers: Vec::new(),
                    body: Vec::new(),
                    body_truncated: false,
                }),
                None,
            )
        };
        Self {
            kind: RecordKind::Capture,
            id: Some(format!("capture:{}", s.id)),
            started_at: parse_rfc3339(&s.received_at).unwrap_or(0),
            method: s.method.clone(),
            url,
            http_version: capture.http_version.clone(),
            headers: headers_of(&capture.headers),
            body: capture.body_base64.as_deref().map(decode_base64).unwrap_or_default(),
            response,
            duration_ms: None,
            error,
            meta: RecordMeta {
                capture_id: Some(s.id),
                endpoint_id: Some(s.endpoint_id),
                verdict_valid: s.verdict_valid,
                remote_addr: Some(s.remote_addr.clone()),
                duplicate_of: s.duplicate_of,
                response_note: s.response_note.clone(),
                body_not_stored: !s.body_stored || capture.body_base64.is_none(),
                ..RecordMeta::default()
            },
        }
    }

    /// One attempt of an event: the request it sent (the event's body) and what came back.
    pub fn from_attempt(event: &Event, attempt: &Attempt) -> Self {
        let e = &event.summary;
        let response = attempt.response.as_ref().map(|r| RecordResponse {
            status: r.status,
            headers: headers_of(&r.headers),
            body: decode_base64(&r.body_base64),
            body_truncated: r.body_truncated,
        });
        let error_class = attempt.error_class.and_then(|c| match serde_json::to_value(c) {
            Ok(serde_json::Value::String(s)) => Some(s),
            _ => None,
        });
        let error = match (&response, &attempt.error) {
            (_, Some(error)) => Some(error.clone()),
            (None, None) => Some(match attempt.error_class {
                Some(class) => class.describe().to_owned(),
                None => format!("no response (attempt {})", attempt.state.as_str()),
            }),
            (Some(_), None) => None,
        };
        Self {
            kind: RecordKind::EventAttempt,
            id: Some(format!("event:{}/attempt:{}", e.id, attempt.number)),
            started_at: attempt.started_at,
            method: attempt.request.method.clone(),
            url: attempt.request.url.clone(),
            http_version: "HTTP/1.1".to_owned(),
            headers: headers_of(&attempt.request.headers),
            body: decode_base64(&event.body_base64),
            response,
            duration_ms: attempt.duration_ms,
            error,
            meta: RecordMeta {
                event_id: Some(e.id),
                destination_id: e.destination_id,
                attempt_id: Some(attempt.id),
                attempt_number: Some(attempt.number),
                event_state: Some(e.state.as_str().to_owned()),
                event_origin: Some(e.origin.as_str().to_owned()),
                idempotency_key: Some(e.idempotency_key.clone()),
                capture_id: e.capture_id,
                error_class,
                ..RecordMeta::default()
            },
        }
    }

    /// An event as the request it sends: the settings' headers, then the event's own. Signature
    /// headers are made per attempt, so they are not here; use [`Self::from_attempt`] for what went out.
    pub fn from_event(event: &Event) -> Self {
        let e = &event.summary;
        let mut headers = headers_of(&event.settings.headers);
        headers.extend(headers_of(&event.headers));
        Self {
            kind: RecordKind::Event,
            id: Some(format!("event:{}", e.id)),
            started_at: e.created_at,
            method: e.method.clone(),
            url: e.url.clone(),
            http_version: "HTTP/1.1".to_owned(),
            headers,
            body: decode_base64(&event.body_base64),
            response: None,
            duration_ms: None,
            error: None,
            meta: RecordMeta {
                event_id: Some(e.id),
                destination_id: e.destination_id,
                event_state: Some(e.state.as_str().to_owned()),
                event_origin: Some(e.origin.as_str().to_owned()),
                idempotency_key: Some(e.idempotency_key.clone()),
                capture_id: e.capture_id,
                ..RecordMeta::default()
            },
        }
    }

    /// A foreign request (from a `curl` command or another tool's HAR).
    pub fn request(method: impl Into<String>, url: impl Into<String>, headers: Vec<Header>, body: Vec<u8>) -> Self {
        Self {
            kind: RecordKind::Request,
            id: None,
            started_at: 0,
            method: method.into(),
            url: url.into(),
            http_version: "HTTP/1.1".to_owned(),
            headers,
            body,
            response: None,
            duration_ms: None,
            error: None,
            meta: RecordMeta::default(),
        }
    }

    /// The value of the first header named `name` (any case), as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(&h.value).into_owned())
    }

    /// The path and query of the URL (`/hooks?a=1`), for storing an import as a capture.
    pub fn path_and_query(&self) -> (String, Option<String>) {
        let rest = self.url.split_once("://").map_or(self.url.as_str(), |(_, rest)| rest);
        let target = rest.find(['/', '?']).map_or("", |i| &rest[i..]);
        let target = target.split('#').next().unwrap_or_default();
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query.to_owned())),
            None => (target, None),
        };
        (if path.is_empty() { "/".to_owned() } else { path.to_owned() }, query)
    }
}

/// Bounds on what an import may hold, so a hostile file cannot exhaust memory. A HAR file is parsed
/// whole, so its cost is about twice `max_input_bytes` for string-heavy files, and about 115 bytes per
/// JSON value for files made of tiny values (measured: 2,000,000 values in 4 MB took 228 MB); the
/// defaults keep either under about 200 MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    /// The whole input.
    pub max_input_bytes: usize,
    /// Records (HAR entries, lines, curl commands).
    pub max_records: usize,
    /// One body (request or response) after decoding.
    pub max_body_bytes: usize,
    /// Headers of one request or response.
    pub max_headers: usize,
    /// JSON values (objects, arrays, strings, numbers…) in a HAR file, counted before parsing.
    pub max_json_values: usize,
}

impl Default for ImportLimits {
    fn default() -> Self {
        Self {
            max_input_bytes: 64 * 1024 * 1024,
            max_records: 10_000,
            max_body_bytes: 32 * 1024 * 1024,
            max_headers: 1_000,
            max_json_values: 1_000_000,
        }
    }
}

/// What kind of problem an import hit; [`ImportErrorKind::code`] is the stable code for the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportErrorKind {
    /// Over an [`ImportLimits`] bound.
    TooLarge,
    /// Not the format at all: not JSON, not a HAR log, unbalanced quotes.
    Malformed,
    /// A field is missing or has the wrong type or value.
    Invalid,
    /// A `curl` command reads a file (`-d @body.json`), which an import cannot do.
    FileReference,
    /// A `curl` flag or shell construct this reader does not understand.
    Unsupported,
}

impl ImportErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            ImportErrorKind::TooLarge => "import_too_large",
            ImportErrorKind::Malformed => "import_malformed",
            ImportErrorKind::Invalid => "import_invalid",
            ImportErrorKind::FileReference => "import_file_reference",
            ImportErrorKind::Unsupported => "import_unsupported",
        }
    }
}

/// Why an import failed: a kind and a sentence that names where (`entries[2].request.url: …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub kind: ImportErrorKind,
    pub message: String,
}

impl ImportError {
    pub fn new(kind: ImportErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ImportError {}

/// RFC 3339 (any offset, any fraction) to ms since the epoch.
pub(crate) fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let t = time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_query_split_the_url_after_the_host() {
        let r = ExchangeRecord::request("GET", "https://h.example:8443/a/b?x=1&y#frag", vec![], vec![]);
        assert_eq!(r.path_and_query(), ("/a/b".to_owned(), Some("x=1&y".to_owned())));
        let bare = ExchangeRecord::request("GET", "http://h.example", vec![], vec![]);
        assert_eq!(bare.path_and_query(), ("/".to_owned(), None), "no path is the root");
        let query_only = ExchangeRecord::request("GET", "http://h.example?q", vec![], vec![]);
        assert_eq!(query_only.path_and_query(), ("/".to_owned(), Some("q".to_owned())));
    }

    #[test]
    fn rfc3339_with_offsets_and_fractions_parses_to_milliseconds() {
        assert_eq!(parse_rfc3339("2026-11-30T00:53:20.123Z"), Some(1_796_000_000_123));
        assert_eq!(parse_rfc3339("2026-11-30T01:53:20.123456+01:00"), Some(1_796_000_000_123));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
