//! What the import fuzz targets check on every input, kept here so the committed corpus runs under
//! `cargo test` too: the readers never panic, and whatever they accept writes back and reads again
//! the same.

use crate::capture::Header;

use super::{
    ExchangeRecord, ImportLimits, Redaction, read_curl, read_har, read_jsonl, write_curl_script, write_har, write_jsonl,
};

/// Small limits, so fuzzing finds the limit checks and never allocates much.
pub fn fuzz_limits() -> ImportLimits {
    ImportLimits {
        max_input_bytes: 1 << 20,
        max_records: 64,
        max_body_bytes: 1 << 16,
        max_headers: 64,
        max_json_values: 1 << 14,
    }
}

/// Reads `input` as HAR; when it is accepted, HAR and JSON Lines exports of it must read back identical.
/// `Ok` is how many records were read (0 when the input was refused).
pub fn har_import(input: &[u8]) -> Result<usize, String> {
    let limits = ImportLimits { max_input_bytes: usize::MAX, ..fuzz_limits() };
    let Ok(records) = read_har(input, &fuzz_limits()) else { return Ok(0) };
    let again = read_har(&write_har(&records, &Redaction::none()), &limits)
        .map_err(|e| format!("our own HAR of an accepted input does not read back: {e}"))?;
    if again != records {
        return Err(format!("HAR round trip changed the records:\n{records:?}\n{again:?}"));
    }
    let lines = read_jsonl(&write_jsonl(&records, &Redaction::none()), &limits)
        .map_err(|e| format!("our own JSON Lines do not read back: {e}"))?;
    if lines != records {
        return Err(format!("JSON Lines round trip changed the records:\n{records:?}\n{lines:?}"));
    }
    Ok(records.len())
}

/// Reads `input` as curl commands; when accepted, our cURL script of them must read back as the
/// same requests (method, URL, headers but those curl computes, body).
pub fn curl_import(input: &[u8]) -> Result<usize, String> {
    let Ok(records) = read_curl(input, &fuzz_limits()) else { return Ok(0) };
    let script = write_curl_script(&records, &Redaction::none());
    let limits = ImportLimits { max_input_bytes: usize::MAX, ..fuzz_limits() };
    let again = read_curl(&script, &limits).map_err(|e| {
        format!("our own script of an accepted input does not read back: {e}\n{}", String::from_utf8_lossy(&script))
    })?;
    let requests: Vec<_> = records.iter().map(request_of).collect();
    let back: Vec<_> = again.iter().map(request_of).collect();
    if requests != back {
        return Err(format!("cURL round trip changed the requests:\n{requests:?}\n{back:?}"));
    }
    Ok(records.len())
}

/// What a cURL script keeps of a record: the method (HEAD is written as `--head`), URL, the headers
/// curl does not compute, and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
}

pub fn request_of(r: &ExchangeRecord) -> WireRequest {
    const COMPUTED: [&str; 4] = ["content-length", "host", "transfer-encoding", "connection"];
    let method = if r.method.eq_ignore_ascii_case("HEAD") { "HEAD".to_owned() } else { r.method.clone() };
    let headers =
        r.headers.iter().filter(|h| !COMPUTED.iter().any(|c| h.name.eq_ignore_ascii_case(c))).cloned().collect();
    WireRequest { method, url: r.url.clone(), headers, body: r.body.clone() }
}
