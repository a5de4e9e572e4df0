//! JSON Lines: one self-describing object per record and line, exact bytes kept, so a file
//! round-trips exactly and each line can be read with `jq` alone.
//!
//! A line is `{"format":"hookbench.exchange/1","kind":…,"id":…,"started_at":<ms>,"started":<RFC 3339>,
//! "method","url","http_version","headers":[{"name","value","value_base64"?}],"body_base64",
//! "body_text"?,"response":{…}|null,"duration_ms","error","meta":{…}}`. `body_base64` is the truth;
//! `body_text` is there for people and tools when the body is UTF-8. Reading accepts a line with
//! only `body_text`, so hand-written lines work.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::capture::HeaderView;
use crate::clock::format_rfc3339;

use super::{
    ExchangeRecord, ImportError, ImportErrorKind, ImportLimits, RecordKind, RecordMeta, RecordResponse, Redaction,
};

/// The `format` of every line this module writes.
pub const FORMAT: &str = "hookbench.exchange/1";

#[derive(Debug, Serialize, Deserialize)]
struct Line {
    #[serde(default)]
    format: Option<String>,
    kind: RecordKind,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    started_at: i64,
    /// For people; `started_at` is read back.
    #[serde(default, skip_deserializing)]
    started: String,
    method: String,
    url: String,
    #[serde(default = "http11")]
    http_version: String,
    #[serde(default)]
    headers: Vec<HeaderView>,
    #[serde(default)]
    body_base64: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_text: Option<String>,
    #[serde(default)]
    response: Option<LineResponse>,
    #[serde(default)]
    duration_ms: Option<u64>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    meta: RecordMeta,
}

#[derive(Debug, Serialize, Deserialize)]
struct LineResponse {
    status: u16,
    #[serde(default)]
    headers: Vec<HeaderView>,
    #[serde(default)]
    body_base64: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_text: Option<String>,
    #[serde(default)]
    body_truncated: bool,
}

fn http11() -> String {
    "HTTP/1.1".to_owned()
}

fn body_fields(body: &[u8]) -> (Option<String>, Option<String>) {
    (Some(BASE64.encode(body)), std::str::from_utf8(body).ok().map(str::to_owned))
}

/// One line per record, each ending in `\n`.
pub fn write_jsonl(records: &[ExchangeRecord], redaction: &Redaction) -> Vec<u8> {
    let mut out = Vec::new();
    for record in records {
        let r = redaction.apply(record);
        let (body_base64, body_text) = body_fields(&r.body);
        let line = Line {
            format: Some(FORMAT.to_owned()),
            kind: r.kind,
            id: r.id.clone(),
            started_at: r.started_at,
            started: format_rfc3339(r.started_at),
            method: r.method.clone(),
            url: r.url.clone(),
            http_version: r.http_version.clone(),
            headers: r.headers.iter().map(HeaderView::from).collect(),
            body_base64,
            body_text,
            response: r.response.as_ref().map(|resp| {
                let (body_base64, body_text) = body_fields(&resp.body);
                LineResponse {
                    status: resp.status,
                    headers: resp.headers.iter().map(HeaderView::from).collect(),
                    body_base64,
                    body_text,
                    body_truncated: resp.body_truncated,
                }
            }),
            duration_ms: r.duration_ms,
            error: r.error.clone(),
            meta: r.meta.clone(),
        };
        // Serializing plain data cannot fail; a failure would leave the line out rather than panic.
        if let Ok(bytes) = serde_json::to_vec(&line) {
            out.extend_from_slice(&bytes);
            out.push(b'\n');
        }
    }
    out
}

fn body_of(base64: Option<&str>, text: Option<&str>, at: &str, limits: &ImportLimits) -> Result<Vec<u8>, ImportError> {
    let body = match (base64, text) {
        (Some(b64), _) => BASE64
            .decode(b64.trim())
            .map_err(|_| ImportError::new(ImportErrorKind::Invalid, format!("{at}body_base64: is not base64")))?,
        (None, Some(text)) => text.as_bytes().to_vec(),
        (None, None) => Vec::new(),
    };
    if body.len() > limits.max_body_bytes {
        return Err(ImportError::new(
            ImportErrorKind::TooLarge,
            format!("{at}body: over {} bytes, the most an import takes", limits.max_body_bytes),
        ));
    }
    Ok(body)
}

/// Every line's record; blank lines are skipped. Errors name the line (1-based) and the field.
pub fn read_jsonl(input: &[u8], limits: &ImportLimits) -> Result<Vec<ExchangeRecord>, ImportError> {
    if input.len() > limits.max_input_bytes {
        return Err(ImportError::new(
            ImportErrorKind::TooLarge,
            format!("the input is {} bytes; at most {} can be imported", input.len(), limits.max_input_bytes),
        ));
    }
    let mut records = Vec::new();
    for (i, raw) in input.split(|&b| b == b'\n').enumerate() {
        let at = format!("line {}", i + 1);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let raw = if i == 0 { raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw) } else { raw };
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if records.len() == limits.max_records {
            return Err(ImportError::new(
                ImportErrorKind::TooLarge,
                format!("{at}: more than {} records; import them in parts", limits.max_records),
            ));
        }
        let line: Line = serde_json::from_slice(raw)
            .map_err(|e| ImportError::new(ImportErrorKind::Invalid, format!("{at}: {e}")))?;
        if let Some(format) = line.format.as_deref().filter(|f| *f != FORMAT) {
            return Err(ImportError::new(ImportErrorKind::Invalid, format!("{at}: format '{format}' is not {FORMAT}")));
        }
        if line.headers.len() > limits.max_headers {
            return Err(ImportError::new(
                ImportErrorKind::TooLarge,
                format!("{at}: more than {} headers", limits.max_headers),
            ));
        }
        let body = body_of(line.body_base64.as_deref(), line.body_text.as_deref(), &format!("{at}: "), limits)?;
        let response = match line.response {
            Some(resp) => Some(RecordResponse {
                status: resp.status,
                headers: resp.headers.iter().map(HeaderView::to_header).collect(),
                body: body_of(
                    resp.body_base64.as_deref(),
                    resp.body_text.as_deref(),
                    &format!("{at}: response."),
                    limits,
                )?,
                body_truncated: resp.body_truncated,
            }),
            None => None,
        };
        records.push(ExchangeRecord {
            kind: line.kind,
            id: line.id,
            started_at: line.started_at,
            method: line.method,
            url: line.url,
            http_version: line.http_version,
            headers: line.headers.iter().map(HeaderView::to_header).collect(),
            body,
            response,
            duration_ms: line.duration_ms,
            error: line.error,
            meta: line.meta,
        });
    }
    Ok(records)
}
