//! HAR 1.2 (<http://www.softwareishard.com/blog/har-12-spec/>): the writer, and a reader for the
//! HAR that Chrome and Firefox DevTools, HTTP Toolkit, Insomnia and Hookbench itself write.
//!
//! Bytes HAR has no room for travel in custom (`_`-prefixed) fields, which other tools ignore:
//! - a request body that is not UTF-8 is written as base64 in `postData.text` with
//!   `postData.encoding: "base64"`: HAR 1.2 defines `encoding` on `response.content` only, but
//!   Chrome writes the same field on `postData` for binary uploads, and tools that read it
//!   (mitmproxy, HTTP Toolkit, har libraries) expect it there. The reader also accepts `_encoding`.
//! - a header value that is not UTF-8 gets a lossy `value` and its exact bytes in `_value_base64`.
//! - `_hookbench` on an entry carries the record's kind, id, exact start and Hookbench ids.
//! - an exchange without a response has `response.status: 0` and `response._error` (Chrome's way).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};

use crate::capture::Header;
use crate::clock::format_rfc3339;

use super::{
    CREATOR, ExchangeRecord, ImportError, ImportErrorKind, ImportLimits, RecordKind, RecordMeta, RecordResponse,
    Redaction, VERSION, parse_rfc3339,
};

/// A HAR 1.2 document (pretty-printed JSON) with one entry per record.
pub fn write_har(records: &[ExchangeRecord], redaction: &Redaction) -> Vec<u8> {
    let entries: Vec<Value> = records.iter().map(|r| entry(&redaction.apply(r))).collect();
    let mut log = Map::new();
    log.insert("version".into(), json!("1.2"));
    log.insert("creator".into(), json!({"name": CREATOR, "version": VERSION}));
    log.insert("entries".into(), Value::Array(entries));
    if !redaction.is_none() {
        log.insert("comment".into(), json!("Exported with secrets redacted: redacted values read [redacted]."));
    }
    serde_json::to_vec_pretty(&json!({ "log": log })).unwrap_or_default()
}

fn header_values(headers: &[Header]) -> Value {
    Value::Array(
        headers
            .iter()
            .map(|h| {
                let mut o = Map::new();
                o.insert("name".into(), json!(h.name));
                match std::str::from_utf8(&h.value) {
                    Ok(text) => {
                        o.insert("value".into(), json!(text));
                    }
                    Err(_) => {
                        o.insert("value".into(), json!(String::from_utf8_lossy(&h.value)));
                        o.insert("_value_base64".into(), json!(BASE64.encode(&h.value)));
                    }
                }
                Value::Object(o)
            })
            .collect(),
    )
}

fn header_text(headers: &[Header], name: &str) -> String {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| String::from_utf8_lossy(&h.value).into_owned())
        .unwrap_or_default()
}

/// `text` (and `encoding: "base64"` when the bytes are not UTF-8) into `o`.
fn put_body(o: &mut Map<String, Value>, body: &[u8]) {
    match std::str::from_utf8(body) {
        Ok(text) => {
            o.insert("text".into(), json!(text));
        }
        Err(_) => {
            o.insert("text".into(), json!(BASE64.encode(body)));
            o.insert("encoding".into(), json!("base64"));
        }
    }
}

fn query_string(url: &str) -> Value {
    let query = url.split('#').next().and_then(|u| u.split_once('?')).map_or("", |(_, q)| q);
    Value::Array(
        query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                json!({"name": percent_decode(name), "value": percent_decode(value)})
            })
            .collect(),
    )
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: Option<&u8>| b.and_then(|&b| char::from(b).to_digit(16));
        match (bytes[i], hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        410 => "Gone",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

fn entry(r: &ExchangeRecord) -> Value {
    let mut request = Map::new();
    request.insert("method".into(), json!(r.method));
    request.insert("url".into(), json!(r.url));
    request.insert("httpVersion".into(), json!(r.http_version));
    request.insert("cookies".into(), json!([]));
    request.insert("headers".into(), header_values(&r.headers));
    request.insert("queryString".into(), query_string(&r.url));
    if !r.body.is_empty() {
        let mut post = Map::new();
        post.insert("mimeType".into(), json!(header_text(&r.headers, "content-type")));
        put_body(&mut post, &r.body);
        request.insert("postData".into(), Value::Object(post));
    }
    request.insert("headersSize".into(), json!(-1));
    let body_size = if r.meta.body_not_stored { json!(-1) } else { json!(r.body.len()) };
    request.insert("bodySize".into(), body_size);

    let response = match &r.response {
        Some(resp) => {
            let mut content = Map::new();
            content.insert("size".into(), json!(resp.body.len()));
            content.insert("mimeType".into(), json!(header_text(&resp.headers, "content-type")));
            if !resp.body.is_empty() {
                put_body(&mut content, &resp.body);
            }
            let mut o = Map::new();
            o.insert("status".into(), json!(resp.status));
            o.insert("statusText".into(), json!(status_text(resp.status)));
            o.insert("httpVersion".into(), json!(r.http_version));
            o.insert("cookies".into(), json!([]));
            o.insert("headers".into(), header_values(&resp.headers));
            o.insert("content".into(), Value::Object(content));
            o.insert("redirectURL".into(), json!(header_text(&resp.headers, "location")));
            o.insert("headersSize".into(), json!(-1));
            o.insert("bodySize".into(), json!(resp.body.len()));
            if resp.body_truncated {
                o.insert("_body_truncated".into(), json!(true));
            }
            Value::Object(o)
        }
        None => json!({
            "status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
            "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": -1,
            "_error": r.error.clone().unwrap_or_else(|| "no response".to_owned()),
        }),
    };

    let duration = r.duration_ms.unwrap_or(0);
    let mut ours = Map::new();
    ours.insert("kind".into(), json!(r.kind.as_str()));
    if let Some(id) = &r.id {
        ours.insert("id".into(), json!(id));
    }
    ours.insert("started_at_ms".into(), json!(r.started_at));
    if let Some(ms) = r.duration_ms {
        ours.insert("duration_ms".into(), json!(ms));
    }
    if let Some(error) = &r.error {
        ours.insert("error".into(), json!(error));
    }
    if let Ok(Value::Object(meta)) = serde_json::to_value(&r.meta) {
        ours.extend(meta);
    }

    let mut e = Map::new();
    e.insert("startedDateTime".into(), json!(format_rfc3339(r.started_at)));
    e.insert("time".into(), json!(duration));
    e.insert("request".into(), Value::Object(request));
    e.insert("response".into(), response);
    e.insert("cache".into(), json!({}));
    e.insert(
        "timings".into(),
        json!({"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": duration, "receive": 0}),
    );
    if let Some(comment) = &r.meta.comment {
        e.insert("comment".into(), json!(comment));
    }
    e.insert("_hookbench".into(), Value::Object(ours));
    Value::Object(e)
}

// ---------------------------------------------------------------------------------------------
// Reading.

/// Every entry of a HAR document as a record, or the first problem, naming the entry and field.
pub fn read_har(input: &[u8], limits: &ImportLimits) -> Result<Vec<ExchangeRecord>, ImportError> {
    if input.len() > limits.max_input_bytes {
        return Err(ImportError::new(
            ImportErrorKind::TooLarge,
            format!("the HAR file is {} bytes; at most {} can be imported", input.len(), limits.max_input_bytes),
        ));
    }
    let input = input.strip_prefix(b"\xef\xbb\xbf").unwrap_or(input);
    let values = json_value_bound(input);
    if values > limits.max_json_values {
        return Err(ImportError::new(
            ImportErrorKind::TooLarge,
            format!(
                "the HAR file holds about {values} JSON values; at most {} can be imported",
                limits.max_json_values
            ),
        ));
    }
    let root: Value = serde_json::from_slice(input)
        .map_err(|e| ImportError::new(ImportErrorKind::Malformed, format!("the file is not JSON: {e}")))?;
    let log = root.get("log").and_then(Value::as_object).ok_or_else(|| {
        ImportError::new(ImportErrorKind::Malformed, "not a HAR file: there is no \"log\" object at the top")
    })?;
    let entries = log
        .get("entries")
        .ok_or_else(|| invalid("log.entries", "missing"))?
        .as_array()
        .ok_or_else(|| invalid("log.entries", "must be an array"))?;
    if entries.len() > limits.max_records {
        return Err(ImportError::new(
            ImportErrorKind::TooLarge,
            format!(
                "the HAR file has {} entries; at most {} can be imported at once",
                entries.len(),
                limits.max_records
            ),
        ));
    }
    entries.iter().enumerate().map(|(i, e)| read_entry(&format!("entries[{i}]"), e, limits)).collect()
}

/// An upper bound on the number of JSON values in `input`, without parsing it: every value but the
/// first follows a `[`, `{`, `,` or `:` outside a string.
fn json_value_bound(input: &[u8]) -> usize {
    let mut count = 1;
    let mut in_string = false;
    let mut escaped = false;
    for &b in input {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'[' | b'{' | b',' | b':' => count += 1,
                _ => {}
            }
        }
    }
    count
}

fn invalid(at: &str, what: impl std::fmt::Display) -> ImportError {
    ImportError::new(ImportErrorKind::Invalid, format!("{at}: {what}"))
}

fn required_str<'a>(o: &'a Map<String, Value>, at: &str, field: &str) -> Result<&'a str, ImportError> {
    match o.get(field) {
        None | Some(Value::Null) => Err(invalid(&format!("{at}.{field}"), "missing")),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(invalid(&format!("{at}.{field}"), "must be a string")),
    }
}

fn optional_str<'a>(o: &'a Map<String, Value>, at: &str, field: &str) -> Result<Option<&'a str>, ImportError> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(&format!("{at}.{field}"), "must be a string")),
    }
}

fn object<'a>(v: &'a Value, at: &str) -> Result<&'a Map<String, Value>, ImportError> {
    v.as_object().ok_or_else(|| invalid(at, "must be an object"))
}

fn read_entry(at: &str, entry: &Value, limits: &ImportLimits) -> Result<ExchangeRecord, ImportError> {
    let entry = object(entry, at)?;
    let request_at = format!("{at}.request");
    let request = object(entry.get("request").ok_or_else(|| invalid(&request_at, "missing"))?, &request_at)?;
    let method = required_str(request, &request_at, "method")?;
    if method.trim().is_empty() {
        return Err(invalid(&format!("{request_at}.method"), "is empty"));
    }
    let url = required_str(request, &request_at, "url")?;
    if url.trim().is_empty() {
        return Err(invalid(&format!("{request_at}.url"), "is empty"));
    }
    let http_version = optional_str(request, &request_at, "httpVersion")?.filter(|v| !v.is_empty());
    let headers = read_headers(request, &request_at, limits)?;
    let body = match request.get("postData") {
        None | Some(Value::Null) => Vec::new(),
        Some(post) => read_post_data(post, &format!("{request_at}.postData"), limits)?,
    };

    let ours = entry.get("_hookbench").and_then(Value::as_object);
    let started_at = match ours.and_then(|o| o.get("started_at_ms")).and_then(Value::as_i64) {
        Some(ms) => ms,
        None => match optional_str(entry, at, "startedDateTime")? {
            Some(date) => parse_rfc3339(date).ok_or_else(|| {
                invalid(&format!("{at}.startedDateTime"), format!("'{date}' is not an RFC 3339 date"))
            })?,
            None => 0,
        },
    };

    let response_at = format!("{at}.response");
    let (response, response_error) = match entry.get("response") {
        None | Some(Value::Null) => (None, None),
        Some(v) => read_response(object(v, &response_at)?, &response_at, limits)?,
    };

    let mut record = ExchangeRecord::request(method, url, headers, body);
    record.started_at = started_at;
    if let Some(version) = http_version {
        record.http_version = version.to_owned();
    }
    record.response = response;
    record.error = response_error;
    record.duration_ms = entry.get("time").and_then(Value::as_f64).filter(|t| *t > 0.0).map(|t| t.round() as u64);
    if let Some(comment) = optional_str(entry, at, "comment")?.filter(|c| !c.is_empty()) {
        record.meta.comment = Some(comment.to_owned());
    }
    if let Some(ours) = ours {
        record.kind =
            ours.get("kind").and_then(Value::as_str).and_then(RecordKind::parse).unwrap_or(RecordKind::Request);
        record.id = ours.get("id").and_then(Value::as_str).map(str::to_owned);
        record.duration_ms = ours.get("duration_ms").and_then(Value::as_u64);
        record.error = ours.get("error").and_then(Value::as_str).map(str::to_owned);
        // Our own fields are a convenience: a damaged one loses the ids, not the request.
        if let Ok(meta) = serde_json::from_value::<RecordMeta>(Value::Object(ours.clone())) {
            record.meta = meta;
        }
    }
    Ok(record)
}

fn read_headers(o: &Map<String, Value>, at: &str, limits: &ImportLimits) -> Result<Vec<Header>, ImportError> {
    let list = match o.get("headers") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(invalid(&format!("{at}.headers"), "must be an array")),
    };
    if list.len() > limits.max_headers {
        return Err(ImportError::new(
            ImportErrorKind::TooLarge,
            format!("{at}.headers: {} headers; at most {} are imported", list.len(), limits.max_headers),
        ));
    }
    let mut headers = Vec::with_capacity(list.len());
    for (i, h) in list.iter().enumerate() {
        let here = format!("{at}.headers[{i}]");
        let h = object(h, &here)?;
        let name = required_str(h, &here, "name")?;
        // HTTP/2 pseudo-headers (`:authority`, `:path`) are parts of the request line, not headers.
        if name.starts_with(':') {
            continue;
        }
        if name.is_empty() {
            return Err(invalid(&format!("{here}.name"), "is empty"));
        }
        let value = match h.get("value") {
            Some(Value::String(s)) => s.as_bytes().to_vec(),
            // Some exporters write numbers for numeric header values.
            Some(v @ Value::Number(_)) => v.to_string().into_bytes(),
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err(invalid(&format!("{here}.value"), "must be a string")),
        };
        let value = match h.get("_value_base64").and_then(Value::as_str) {
            Some(b64) => BASE64.decode(b64).map_err(|_| invalid(&format!("{here}._value_base64"), "is not base64"))?,
            None => value,
        };
        headers.push(Header::new(name, value));
    }
    Ok(headers)
}

/// `text` decoded by `encoding`, within the body limit.
fn read_text(o: &Map<String, Value>, at: &str, limits: &ImportLimits) -> Result<Option<Vec<u8>>, ImportError> {
    let Some(text) = optional_str(o, at, "text")? else { return Ok(None) };
    let encoding = match optional_str(o, at, "encoding")? {
        Some(e) => Some(e),
        None => optional_str(o, at, "_encoding")?,
    };
    let too_large = || {
        ImportError::new(
            ImportErrorKind::TooLarge,
            format!("{at}.text: the body is over {} bytes, the most an import takes", limits.max_body_bytes),
        )
    };
    let bytes = match encoding.map(str::trim).filter(|e| !e.is_empty()) {
        None => text.as_bytes().to_vec(),
        Some(e) if e.eq_ignore_ascii_case("base64") => {
            if text.len() / 4 * 3 > limits.max_body_bytes.saturating_add(3) {
                return Err(too_large());
            }
            let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            BASE64.decode(compact).map_err(|_| invalid(&format!("{at}.text"), "is not valid base64"))?
        }
        Some(e) => {
            return Err(invalid(&format!("{at}.encoding"), format!("'{e}' is not supported (only base64)")));
        }
    };
    if bytes.len() > limits.max_body_bytes {
        return Err(too_large());
    }
    Ok(Some(bytes))
}

fn read_post_data(post: &Value, at: &str, limits: &ImportLimits) -> Result<Vec<u8>, ImportError> {
    let post = object(post, at)?;
    if let Some(bytes) = read_text(post, at, limits)? {
        return Ok(bytes);
    }
    // HAR 1.2 lets `params` stand in for `text` on url-encoded forms.
    let params = match post.get("params") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(p)) => p,
        Some(_) => return Err(invalid(&format!("{at}.params"), "must be an array")),
    };
    if params.is_empty() {
        return Ok(Vec::new());
    }
    let mime = optional_str(post, at, "mimeType")?.unwrap_or_default();
    if !mime.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Err(invalid(
            &format!("{at}.text"),
            format!("missing, and a '{mime}' body cannot be rebuilt from params (only url-encoded forms can)"),
        ));
    }
    let mut body = Vec::new();
    for (i, p) in params.iter().enumerate() {
        let here = format!("{at}.params[{i}]");
        let p = object(p, &here)?;
        let name = required_str(p, &here, "name")?;
        let value = optional_str(p, &here, "value")?.unwrap_or_default();
        if i > 0 {
            body.push(b'&');
        }
        body.extend(form_encode(name));
        body.push(b'=');
        body.extend(form_encode(value));
        if body.len() > limits.max_body_bytes {
            return Err(ImportError::new(
                ImportErrorKind::TooLarge,
                format!("{at}.params: the body is over {} bytes", limits.max_body_bytes),
            ));
        }
    }
    Ok(body)
}

/// `application/x-www-form-urlencoded` encoding of one name or value.
fn form_encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for &b in text.as_bytes() {
        match b {
            b' ' => out.push(b'+'),
            b if b.is_ascii_alphanumeric() || b"*-._".contains(&b) => out.push(b),
            b => out.extend_from_slice(format!("%{b:02X}").as_bytes()),
        }
    }
    out
}

type ReadResponse = (Option<RecordResponse>, Option<String>);

fn read_response(o: &Map<String, Value>, at: &str, limits: &ImportLimits) -> Result<ReadResponse, ImportError> {
    let error = o.get("_error").and_then(Value::as_str).filter(|e| !e.is_empty()).map(str::to_owned);
    let status = match o.get("status") {
        None | Some(Value::Null) => 0,
        Some(v) => v
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .filter(|s| *s < 1000)
            .ok_or_else(|| invalid(&format!("{at}.status"), "must be a status code (0 to 999)"))?,
    };
    if status == 0 {
        return Ok((None, Some(error.unwrap_or_else(|| "no response".to_owned()))));
    }
    let headers = read_headers(o, at, limits)?;
    let body = match o.get("content") {
        None | Some(Value::Null) => Vec::new(),
        Some(c) => {
            read_text(object(c, &format!("{at}.content"))?, &format!("{at}.content"), limits)?.unwrap_or_default()
        }
    };
    let body_truncated = o.get("_body_truncated").and_then(Value::as_bool).unwrap_or(false);
    Ok((Some(RecordResponse { status, headers, body, body_truncated }), error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_bound_ignores_structure_inside_strings() {
        // Four values (object, array, 1, 2); the bound counts one more, and nothing inside the key.
        assert_eq!(json_value_bound(br#"{"a,b:[": [1, 2]}"#), 5, "structure inside a string is not counted");
        assert_eq!(json_value_bound(br#"["\",", 1]"#), 3, "an escaped quote does not end the string");
    }

    #[test]
    fn query_strings_are_split_and_percent_decoded() {
        let q = query_string("http://h/p?a=1&b=%C3%A9&flag&&c=x%3Dy#frag");
        assert_eq!(
            q,
            json!([
                {"name": "a", "value": "1"},
                {"name": "b", "value": "é"},
                {"name": "flag", "value": ""},
                {"name": "c", "value": "x=y"}
            ])
        );
        assert_eq!(query_string("http://h/p"), json!([]));
    }

    #[test]
    fn form_params_encode_like_a_browser_form() {
        assert_eq!(form_encode("a b&c=é"), b"a+b%26c%3D%C3%A9".to_vec());
    }
}
