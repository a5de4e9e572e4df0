//! A capture is one inbound request exactly as it reached the receiver, plus what the receiver answered.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::{Timestamp, format_rfc3339};

pub type CaptureId = i64;

/// One header line as received: the name keeps its case, the value its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: Vec<u8>,
}

impl Header {
    pub fn new(name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        Self { name: name.into(), value: value.into() }
    }
}

/// The wire and storage form of a header. `value` is the value as text; when the bytes are not
/// UTF-8, `value` is a lossy rendering and `value_base64` carries the exact bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HeaderView {
    pub name: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_base64: Option<String>,
}

impl From<&Header> for HeaderView {
    fn from(h: &Header) -> Self {
        match std::str::from_utf8(&h.value) {
            Ok(text) => Self { name: h.name.clone(), value: text.to_owned(), value_base64: None },
            Err(_) => Self {
                name: h.name.clone(),
                value: String::from_utf8_lossy(&h.value).into_owned(),
                value_base64: Some(BASE64.encode(&h.value)),
            },
        }
    }
}

impl HeaderView {
    /// Back to the exact bytes; a `value_base64` that does not decode falls back to `value`.
    pub fn to_header(&self) -> Header {
        let value = self
            .value_base64
            .as_deref()
            .and_then(|b| BASE64.decode(b).ok())
            .unwrap_or_else(|| self.value.as_bytes().to_vec());
        Header { name: self.name.clone(), value }
    }
}

/// Encodes headers for storage: a JSON array of `HeaderView`, order and repeats kept.
pub fn encode_headers(headers: &[Header]) -> Vec<u8> {
    let views: Vec<HeaderView> = headers.iter().map(HeaderView::from).collect();
    serde_json::to_vec(&views).unwrap_or_else(|_| b"[]".to_vec())
}

/// Decodes what `encode_headers` wrote. Bytes from an older or damaged row give an empty list
/// rather than an error, so one bad row never hides the rest of the inbox.
pub fn decode_headers(bytes: &[u8]) -> Vec<Header> {
    serde_json::from_slice::<Vec<HeaderView>>(bytes)
        .map(|v| v.iter().map(HeaderView::to_header).collect())
        .unwrap_or_default()
}

/// A request the receiver has read and decided on, before it is stored.
#[derive(Debug, Clone)]
pub struct NewCapture {
    pub received_at: Timestamp,
    pub method: String,
    /// The path as it came on the request line (percent-encoding kept).
    pub path: String,
    pub query: Option<String>,
    /// The full URL the client used: scheme, the Host header, path and query.
    pub url: String,
    pub http_version: String,
    pub remote_addr: String,
    pub headers: Vec<Header>,
    pub content_type: Option<String>,
    /// `None` when the body was not stored (over the size limit).
    pub body: Option<bytes::Bytes>,
    /// Bytes received (or announced by Content-Length when the body was refused).
    pub body_size: u64,
    /// The status decided before storing; a duplicate may still change it (see `DedupeClaim`).
    pub response_status: u16,
    pub endpoint_id: crate::endpoint::EndpointId,
    /// The signature verdict as JSON, when the endpoint checks signatures.
    pub verdict_json: Option<String>,
    pub verdict_valid: Option<bool>,
    /// The idempotency key to claim, when the endpoint detects duplicates.
    pub dedupe: Option<DedupeClaim>,
    /// The fault plans that shaped the answer, one sentence each (empty: none).
    pub faults: Vec<String>,
    /// How the answer was made when it was not a plain status: `rule 'paid'`, `connection reset`,
    /// `held 30 s without answering`.
    pub response_note: Option<String>,
}

/// An idempotency key to claim in the same transaction that stores the capture.
#[derive(Debug, Clone)]
pub struct DedupeClaim {
    pub key: String,
    pub now: Timestamp,
    pub expires_at: Timestamp,
    pub on_duplicate: crate::dedupe::DuplicateResponse,
}

/// What storing a capture decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredCapture {
    pub id: CaptureId,
    /// The first capture with the same idempotency key, when this one is a duplicate.
    pub duplicate_of: Option<CaptureId>,
    /// The status to answer with (a duplicate may answer differently from the first copy).
    pub response_status: u16,
}

impl NewCapture {
    /// The list entry this capture gets once stored under `id`.
    pub fn summary(&self, stored: StoredCapture) -> CaptureSummary {
        CaptureSummary {
            id: stored.id,
            received_at: format_rfc3339(self.received_at),
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            content_type: self.content_type.clone(),
            body_size: self.body_size,
            body_stored: self.body.is_some(),
            response_status: stored.response_status,
            remote_addr: self.remote_addr.clone(),
            endpoint_id: self.endpoint_id,
            verdict_valid: self.verdict_valid,
            duplicate_of: stored.duplicate_of,
            duplicate_count: 0,
            faults: self.faults.clone(),
            response_note: self.response_note.clone(),
        }
    }
}

/// What a list shows of a capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CaptureSummary {
    pub id: CaptureId,
    /// RFC 3339, milliseconds, UTC.
    pub received_at: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub content_type: Option<String>,
    pub body_size: u64,
    /// False when the body was over the limit and only the metadata was kept.
    pub body_stored: bool,
    /// The status the receiver answered with.
    pub response_status: u16,
    pub remote_addr: String,
    pub endpoint_id: crate::endpoint::EndpointId,
    /// `true`/`false` when the endpoint checked the signature; `null` when it did not.
    pub verdict_valid: Option<bool>,
    /// The first capture with the same idempotency key, when this is a duplicate.
    pub duplicate_of: Option<CaptureId>,
    /// On a first capture: how many duplicates of it arrived since.
    pub duplicate_count: u32,
    /// The fault plans that shaped the answer, one sentence each.
    #[serde(default)]
    pub faults: Vec<String>,
    /// How the answer was made when it was not a plain status (`rule 'paid'`, `connection reset`);
    /// `response_status` is 0 when the client got no HTTP answer at all.
    #[serde(default)]
    pub response_note: Option<String>,
}

/// Everything about one capture, body included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Capture {
    #[serde(flatten)]
    pub summary: CaptureSummary,
    pub url: String,
    pub http_version: String,
    /// Headers exactly as received: original case, order and repeats.
    pub headers: Vec<HeaderView>,
    /// The body bytes, base64; `null` when not stored.
    pub body_base64: Option<String>,
    /// The idempotency key found, when the endpoint detects duplicates.
    pub dedupe_key: Option<String>,
    /// The full signature verdict (see `Verdict`), when the endpoint checks signatures.
    #[schema(value_type = Option<Object>)]
    pub verdict: Option<serde_json::Value>,
    /// Providers recognised from the headers, strongest first: a suggestion when the endpoint
    /// checks no signature.
    #[serde(default)]
    pub detected: Vec<crate::signature::Detection>,
    /// The events that forward this capture to the endpoint's app (oldest first): state, last
    /// status and attempts. Empty when the endpoint does not forward.
    #[serde(default)]
    pub forwards: Vec<crate::outbox::EventSummary>,
}

impl Capture {
    pub fn from_parts(
        summary: CaptureSummary,
        url: String,
        http_version: String,
        headers: &[Header],
        body: Option<&[u8]>,
    ) -> Self {
        Self {
            summary,
            url,
            http_version,
            headers: headers.iter().map(HeaderView::from).collect(),
            body_base64: body.map(|b| BASE64.encode(b)),
            dedupe_key: None,
            verdict: None,
            detected: Vec::new(),
            forwards: Vec::new(),
        }
    }
}

impl CaptureSummary {
    pub fn received_at_string(ms: Timestamp) -> String {
        format_rfc3339(ms)
    }
}

/// Which captures a list asks for.
#[derive(Debug, Clone, Default)]
pub struct CaptureFilter {
    /// Only captures with an id below this (the cursor).
    pub before: Option<CaptureId>,
    pub method: Option<String>,
    /// A substring of the path (or query).
    pub path_contains: Option<String>,
    pub endpoint_id: Option<crate::endpoint::EndpointId>,
    /// `Some(true)`: only valid signatures; `Some(false)`: only invalid ones.
    pub verdict_valid: Option<bool>,
    /// `Some(true)`: only duplicates; `Some(false)`: only first copies.
    pub duplicate: Option<bool>,
    /// Full-text search over path, headers and body: every word must appear (as a prefix).
    pub text: Option<String>,
    /// Only captures answered with this status (`0`: no HTTP answer).
    pub status: Option<u16>,
    /// Received at or after this time (unix ms).
    pub since: Option<crate::Timestamp>,
    /// Received before this time (unix ms).
    pub until: Option<crate::Timestamp>,
    pub limit: usize,
}

/// One page of a newest-first listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CapturePage {
    pub items: Vec<CaptureSummary>,
    /// Pass as `before` to get the next (older) page; `null` on the last page.
    pub next_cursor: Option<CaptureId>,
    /// How many captures match the filter in all, counted up to 10,000 (a full count of a large store
    /// costs more than its page): when more match, this is 10,000 and `total_capped` is true.
    pub total: u64,
    /// True when the count stopped at 10,000: at least `total` captures match (shown as "10,000+").
    #[serde(default)]
    pub total_capped: bool,
}

/// The most captures a list counts for its `total`; beyond it the total says "at least".
pub const CAPTURE_COUNT_CAP: u64 = 10_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip_with_case_order_repeats_and_binary_values() {
        let headers = vec![
            Header::new("X-Mixed-Case", "one"),
            Header::new("accept", "a"),
            Header::new("X-Mixed-Case", "two"),
            Header::new("X-Binary", vec![0xff, 0x00, b'a']),
        ];
        let decoded = decode_headers(&encode_headers(&headers));
        assert_eq!(decoded, headers, "storage must keep names, order, repeats and exact bytes");
    }

    #[test]
    fn non_utf8_header_values_carry_their_exact_bytes_in_base64() {
        let view = HeaderView::from(&Header::new("X-Bin", vec![0xc3, 0x28]));
        assert_eq!(view.value_base64.as_deref(), Some("wyg="), "invalid UTF-8 must be kept exactly");
        let text = HeaderView::from(&Header::new("X-Text", "héllo"));
        assert_eq!(text.value_base64, None, "valid UTF-8 needs no base64 copy");
        assert_eq!(text.value, "héllo");
    }

    #[test]
    fn damaged_header_bytes_decode_to_an_empty_list_instead_of_failing() {
        assert!(decode_headers(b"not json").is_empty());
    }
}
