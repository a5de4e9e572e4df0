//! Export and import formats: round trips through HAR, JSON Lines and cURL scripts, redaction,
//! other tools' files (`tests/exchange/`), errors that name where, and the fuzz corpora.

use std::path::PathBuf;

use hookbench_domain::Header;
use hookbench_domain::exchange::{
    ExchangeRecord, ImportErrorKind, ImportLimits, RecordKind, RecordMeta, RecordResponse, Redaction, curl_command,
    probe, read_curl, read_har, read_jsonl, write_curl_script, write_har, write_jsonl,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/exchange").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {} is committed: {e}", path.display()))
}

fn limits() -> ImportLimits {
    ImportLimits::default()
}

/// Records covering what must survive: text, binary and empty bodies, repeated headers, a header
/// that is not UTF-8, an empty header value, a response and a missing one.
fn records() -> Vec<ExchangeRecord> {
    let mut json = ExchangeRecord::request(
        "POST",
        "http://127.0.0.1:9000/hooks/stripe?tenant=a%20b&x=1",
        vec![
            Header::new("Host", "127.0.0.1:9000"),
            Header::new("Content-Type", "application/json"),
            Header::new("X-Repeat", "one"),
            Header::new("x-repeat", "two"),
            Header::new("X-Binary", vec![0xff, 0xfe, b'a', 0x80]),
            Header::new("X-Empty", ""),
            Header::new("Content-Length", "27"),
        ],
        br#"{"type":"invoice.paid","n":1}"#.to_vec(),
    );
    json.kind = RecordKind::Capture;
    json.id = Some("capture:12".into());
    json.started_at = 1_796_000_000_123;
    json.response = Some(RecordResponse { status: 200, headers: vec![], body: vec![], body_truncated: false });
    json.meta = RecordMeta {
        capture_id: Some(12),
        endpoint_id: Some(3),
        verdict_valid: Some(false),
        remote_addr: Some("127.0.0.1:50000".into()),
        ..RecordMeta::default()
    };

    let mut binary = ExchangeRecord::request(
        "PUT",
        "https://example.com/upload",
        vec![Header::new("Content-Type", "application/octet-stream"), Header::new("User-Agent", "svc/1")],
        vec![0, 1, 2, b'\'', b'\\', b'\n', 0xff, 0xc3, 0x28, b'@'],
    );
    binary.kind = RecordKind::EventAttempt;
    binary.id = Some("event:7/attempt:2".into());
    binary.started_at = 1_796_000_100_000;
    binary.duration_ms = Some(1234);
    binary.response = Some(RecordResponse {
        status: 503,
        headers: vec![
            Header::new("Retry-After", "30"),
            Header::new("Set-Cookie", "a=1"),
            Header::new("Set-Cookie", "b=2"),
        ],
        body: vec![0x89, b'P', b'N', b'G', 0],
        body_truncated: true,
    });
    binary.meta = RecordMeta {
        event_id: Some(7),
        attempt_number: Some(2),
        attempt_id: Some(70),
        destination_id: Some(1),
        event_state: Some("retrying".into()),
        idempotency_key: Some("evt_1".into()),
        ..RecordMeta::default()
    };

    let mut empty =
        ExchangeRecord::request("GET", "http://localhost:3000/health", vec![Header::new("Accept", "*/*")], vec![]);
    empty.error = Some("connection refused".into());
    empty.meta.error_class = Some("connect_refused".into());

    let at_sign = ExchangeRecord::request(
        "POST",
        "http://localhost:3000/form",
        vec![Header::new("Content-Type", "text/plain"), Header::new("Accept", "text/plain")],
        b"@/etc/passwd".to_vec(),
    );
    let head = ExchangeRecord::request("HEAD", "http://localhost:3000/", vec![], vec![]);
    let empty_post =
        ExchangeRecord::request("POST", "http://localhost:3000/ping", vec![Header::new("Content-Length", "0")], vec![]);
    let mut big = ExchangeRecord::request(
        "PATCH",
        "http://localhost:3000/big",
        vec![Header::new("Content-Type", "text/plain; charset=utf-8")],
        "é\r\n'\"$`!\\".repeat(300).into_bytes(),
    );
    big.meta.comment = Some("two lines\nof comment".into());
    vec![json, binary, empty, at_sign, head, empty_post, big]
}

#[test]
fn har_export_then_import_gives_the_same_records() {
    let original = records();
    let har = write_har(&original, &Redaction::none());
    let back = read_har(&har, &limits()).unwrap_or_else(|e| panic!("our HAR reads back: {e}"));
    assert_eq!(back, original, "every request, response, id and byte survives the HAR round trip");
}

#[test]
fn har_output_follows_the_spec_shape() {
    let har = write_har(&records(), &Redaction::none());
    let v: serde_json::Value = serde_json::from_slice(&har).unwrap_or_else(|e| panic!("HAR is JSON: {e}"));
    let log = &v["log"];
    assert_eq!(log["version"], "1.2");
    assert_eq!(log["creator"]["name"], "Hookbench");
    assert_eq!(log["creator"]["version"], env!("CARGO_PKG_VERSION"));
    let first = &log["entries"][0];
    assert_eq!(first["startedDateTime"], "2026-11-30T00:53:20.123Z", "RFC 3339 with milliseconds");
    assert_eq!(first["request"]["headers"][2], serde_json::json!({"name": "X-Repeat", "value": "one"}));
    assert_eq!(first["request"]["headers"][3], serde_json::json!({"name": "x-repeat", "value": "two"}));
    assert_eq!(first["request"]["headers"][4]["_value_base64"], "//5hgA==", "non-UTF-8 values keep their bytes");
    assert_eq!(
        first["request"]["queryString"],
        serde_json::json!([{"name": "tenant", "value": "a b"}, {"name": "x", "value": "1"}])
    );
    assert_eq!(first["request"]["postData"]["mimeType"], "application/json");
    assert_eq!(first["request"]["postData"]["text"], r#"{"type":"invoice.paid","n":1}"#);
    assert!(first["request"]["postData"].get("encoding").is_none(), "a UTF-8 body is plain text");
    assert_eq!(first["_hookbench"]["capture_id"], 12);
    assert_eq!(first["_hookbench"]["kind"], "capture");

    let binary = &log["entries"][1];
    assert_eq!(binary["request"]["postData"]["encoding"], "base64", "a binary body is base64");
    assert_eq!(binary["response"]["content"]["encoding"], "base64");
    assert_eq!(binary["time"], 1234);
    assert_eq!(binary["timings"]["wait"], 1234);

    let failed = &log["entries"][2];
    assert_eq!(failed["response"]["status"], 0, "no response is status 0");
    assert_eq!(failed["response"]["_error"], "connection refused");
    assert!(failed["request"].get("postData").is_none(), "an empty body has no postData");
}

#[test]
fn jsonl_export_then_import_gives_the_same_records() {
    let original = records();
    let text = write_jsonl(&original, &Redaction::none());
    assert_eq!(text.iter().filter(|&&b| b == b'\n').count(), original.len(), "one line per record");
    let back = read_jsonl(&text, &limits()).unwrap_or_else(|e| panic!("our JSON Lines read back: {e}"));
    assert_eq!(back, original, "JSON Lines round-trip exactly");

    let first: serde_json::Value = serde_json::from_slice(text.split(|&b| b == b'\n').next().unwrap_or_default())
        .unwrap_or_else(|e| panic!("a line is one JSON object: {e}"));
    assert_eq!(first["format"], "hookbench.exchange/1", "lines describe themselves");
    assert_eq!(first["body_text"], r#"{"type":"invoice.paid","n":1}"#, "UTF-8 bodies are readable as text");
    assert_eq!(first["started"], "2026-11-30T00:53:20.123Z");
    let second: serde_json::Value = serde_json::from_slice(text.split(|&b| b == b'\n').nth(1).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(second.get("body_text").is_none(), "a binary body has no text form");
}

#[test]
fn hand_written_jsonl_lines_with_text_bodies_are_accepted() {
    let input = b"\n{\"kind\":\"request\",\"method\":\"POST\",\"url\":\"http://h/x\",\"body_text\":\"hi\"}\r\n\n";
    let records = read_jsonl(input, &limits()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(records.len(), 1, "blank lines are skipped");
    assert_eq!(records[0].body, b"hi".to_vec());
    assert_eq!(records[0].http_version, "HTTP/1.1", "the version defaults");
}

#[test]
fn jsonl_errors_name_the_line() {
    let input = b"{\"kind\":\"request\",\"method\":\"GET\",\"url\":\"http://h/\"}\n{\"kind\":\"request\",\"url\":\"http://h/\"}\n";
    let e = read_jsonl(input, &limits()).err().unwrap_or_else(|| panic!("a line without a method is refused"));
    assert!(e.message.starts_with("line 2:") && e.message.contains("method"), "{}", e.message);
    let e = read_jsonl(b"{\"format\":\"other/2\",\"kind\":\"request\",\"method\":\"GET\",\"url\":\"u\"}", &limits())
        .err()
        .map(|e| e.message)
        .unwrap_or_default();
    assert!(e.contains("other/2"), "a foreign format is named: {e}");
}

#[test]
fn a_curl_script_reads_back_as_the_same_requests() {
    let original = records();
    let script = write_curl_script(&original, &Redaction::none());
    let back = read_curl(&script, &limits()).unwrap_or_else(|e| panic!("our script reads back: {e}"));
    let want: Vec<_> = original.iter().map(probe::request_of).collect();
    let got: Vec<_> = back.iter().map(probe::request_of).collect();
    assert_eq!(got, want, "method, URL, headers (but Host/Content-Length), body bytes survive");
}

#[test]
fn curl_commands_match_the_ui_copy_as_curl_byte_for_byte() {
    // The same request as `ui/src/features/inbox/curl.test.ts`'s first case.
    let record = ExchangeRecord::request(
        "POST",
        "http://127.0.0.1:9000/hook?a=1&b=2",
        vec![
            Header::new("Host", "127.0.0.1:9000"),
            Header::new("X-Foo", "1"),
            Header::new("x-foo", "2"),
            Header::new("Content-Length", "2"),
            Header::new("User-Agent", "Stripe/1.0"),
            Header::new("Content-Type", "application/json"),
        ],
        b"{}".to_vec(),
    );
    assert_eq!(
        curl_command(&record),
        "curl \\\n  --http1.1 \\\n  --globoff \\\n  --path-as-is \\\n  -X 'POST' \\\n  'http://127.0.0.1:9000/hook?a=1&b=2' \\\n  \
         -H 'X-Foo: 1' \\\n  -H 'x-foo: 2' \\\n  -H 'User-Agent: Stripe/1.0' \\\n  \
         -H 'Content-Type: application/json' \\\n  -H 'Accept:' \\\n  --data-binary '{}'"
    );
    let nul = ExchangeRecord::request("POST", "http://h/", vec![], vec![0, 1, 0x27, 0x5c]);
    assert!(curl_command(&nul).starts_with(r"printf '%b' '\x00\x01\x27\\' | curl"), "NUL bodies are piped");
    assert!(curl_command(&nul).ends_with("--data-binary @-"));
    let bin = ExchangeRecord::request("GET", "http://h/", vec![Header::new("X-Bin", vec![0xff, 0xfe])], vec![]);
    assert!(curl_command(&bin).contains(r"-H $'X-Bin: \xff\xfe'"), "binary header values use $'…'");
    let empty = ExchangeRecord::request("GET", "http://h/", vec![Header::new("X-Empty", "")], vec![]);
    assert!(curl_command(&empty).contains("-H 'X-Empty;'"), "an empty value uses curl's `Name;`");
}

#[test]
fn a_curl_script_sends_exactly_the_recorded_bytes_through_real_curl() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_else(|e| panic!("{e}"));
    let body = vec![0u8, b'@', 0xff, b'\'', b'\\', b'\n', b'x'];
    let record = ExchangeRecord::request(
        "POST",
        format!("http://127.0.0.1:{port}/hooks/a%2Fb?q=1"),
        vec![
            Header::new("X-Repeat", "1"),
            Header::new("X-Repeat", "2"),
            Header::new("X-Bin", vec![0xc3, 0x28]),
            Header::new("Content-Type", "application/octet-stream"),
        ],
        body.clone(),
    );
    let script = write_curl_script(&[record], &Redaction::none());
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap_or_else(|e| panic!("accept: {e}"));
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).unwrap_or(0);
            seen.extend_from_slice(&buf[..n]);
            let done = seen.windows(4).position(|w| w == b"\r\n\r\n").is_some_and(|end| seen.len() >= end + 4 + 7);
            if n == 0 || done {
                break;
            }
        }
        let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        seen
    });
    let status = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("{} -s -o /dev/null", String::from_utf8_lossy(&script).trim_end()))
        .status()
        .unwrap_or_else(|e| panic!("bash runs: {e}"));
    assert!(status.success(), "the exported script runs with bash and curl");
    let seen = server.join().unwrap_or_else(|_| panic!("the server thread ends"));
    let end = seen.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(seen.len());
    let head = &seen[..end];
    assert!(head.starts_with(b"POST /hooks/a%2Fb?q=1 HTTP/1.1\r\n"), "{}", String::from_utf8_lossy(head));
    let lines: Vec<&[u8]> = head.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l)).collect();
    let repeat: Vec<&&[u8]> = lines.iter().filter(|l| l.starts_with(b"X-Repeat")).collect();
    assert_eq!(repeat, vec![&&b"X-Repeat: 1"[..], &&b"X-Repeat: 2"[..]], "repeats in order");
    assert!(lines.contains(&&b"X-Bin: \xc3\x28"[..]), "non-UTF-8 header bytes reach the wire");
    assert!(!lines.iter().any(|l| l.starts_with(b"User-Agent") || l.starts_with(b"Accept")), "curl adds nothing");
    assert_eq!(&seen[end + 4..], &body[..], "the body arrives byte for byte, NUL and @ included");
}

#[test]
fn default_redaction_hides_credentials_and_signatures_in_every_format() {
    let record = ExchangeRecord::request(
        "POST",
        "https://h.example/hook?token=tok_SECRET%2B1",
        vec![
            Header::new("Authorization", "Bearer abc"),
            Header::new("Stripe-Signature", "t=1,v1=dead"),
            Header::new("X-Hub-Signature-256", "sha256=beef"),
            Header::new("X-Note", "has tok_SECRET+1 inside"),
            Header::new("Content-Type", "application/json"),
        ],
        br#"{"key":"tok_SECRET+1"}"#.to_vec(),
    );
    let mut redaction = Redaction::default();
    redaction.secrets.push("tok_SECRET+1".into());
    for (format, bytes) in [
        ("HAR", write_har(std::slice::from_ref(&record), &redaction)),
        ("JSONL", write_jsonl(std::slice::from_ref(&record), &redaction)),
        ("cURL", write_curl_script(std::slice::from_ref(&record), &redaction)),
    ] {
        let text = String::from_utf8_lossy(&bytes);
        for secret in ["Bearer abc", "v1=dead", "sha256=beef", "tok_SECRET", "tok_SECRET%2B1"] {
            assert!(!text.contains(secret), "{format} leaks {secret}:\n{text}");
        }
        assert!(text.contains("[redacted]"), "{format} shows where it redacted");
        assert!(text.contains("Stripe-Signature"), "{format} keeps the redacted header's name");
    }
    let har = write_har(std::slice::from_ref(&record), &redaction);
    let back = read_har(&har, &limits()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back[0].url, "https://h.example/hook?token=[redacted]", "the percent-encoded form is found in URLs");
    assert_eq!(back[0].body, br#"{"key":"[redacted]"}"#.to_vec());
    assert_eq!(back[0].header("Content-Type").as_deref(), Some("application/json"), "other headers are kept");

    let plain = write_har(std::slice::from_ref(&record), &Redaction::none());
    assert!(String::from_utf8_lossy(&plain).contains("Bearer abc"), "Redaction::none exports exact values");
}

#[test]
fn a_chrome_har_imports_without_pseudo_headers_and_with_params_bodies() {
    let records = read_har(&fixture("chrome.har"), &limits()).unwrap_or_else(|e| panic!("Chrome's HAR reads: {e}"));
    assert_eq!(records.len(), 2);
    let first = &records[0];
    assert_eq!(first.kind, RecordKind::Request, "a foreign entry is a plain request");
    assert_eq!(first.method, "POST");
    assert_eq!(first.url, "https://api.example.com/v1/webhooks/test?endpoint=we_123&mode=live");
    assert_eq!(first.http_version, "http/2.0");
    let names: Vec<&str> = first.headers.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        names,
        ["accept", "authorization", "content-type", "x-request-id", "x-request-id"],
        "no :pseudo headers"
    );
    assert_eq!(first.body, br#"{"type":"invoice.paid","data":{"amount":4200}}"#.to_vec());
    assert_eq!(first.started_at, 1_795_874_532_004, "startedDateTime");
    assert_eq!(first.duration_ms, Some(187));
    let response = first.response.as_ref().unwrap_or_else(|| panic!("the first entry has a response"));
    assert_eq!(response.status, 202);
    assert_eq!(response.body, br#"{"queued":true}"#.to_vec(), "base64 content is decoded");

    let second = &records[1];
    assert_eq!(second.body, b"user=ada%40example.com&next=%2Fwebhooks%3Ftab%3Dall".to_vec(), "params rebuild a form");
    assert_eq!(second.response, None, "status 0 is no response");
    assert_eq!(second.error.as_deref(), Some("net::ERR_CONNECTION_REFUSED"));
}

#[test]
fn a_firefox_har_imports_with_offsets_and_missing_content() {
    let records = read_har(&fixture("firefox.har"), &limits()).unwrap_or_else(|e| panic!("Firefox's HAR reads: {e}"));
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].method, "PUT");
    assert_eq!(records[0].started_at, 1_795_875_603_337, "a +01:00 offset is honoured");
    assert_eq!(records[0].body, b"status=shipped; carrier=ups".to_vec(), "text wins over empty params");
    assert_eq!(records[0].response.as_ref().map(|r| (r.status, r.body.len())), Some((204, 0)));
    assert_eq!(records[1].body, Vec::<u8>::new(), "no postData is an empty body");
    assert_eq!(records[1].response.as_ref().map(|r| r.body.clone()), Some(br#"{"ok":true}"#.to_vec()));
}

#[test]
fn request_only_har_entries_as_insomnia_and_postman_converters_write_import() {
    let input =
        br#"{"log":{"version":"1.2","creator":{"name":"Insomnia REST Client","version":"insomnia.desktop.app:v10.1.1"},
      "entries":[{"request":{"method":"POST","url":"http://localhost:3000/hooks","headers":[
        {"name":"Content-Type","value":"application/json"},{"name":"X-Retry","value":3}],
        "postData":{"mimeType":"application/json","text":"{\"a\":1}","params":[]}}},
      {"startedDateTime":"2026-11-28T10:00:00Z","request":{"method":"GET","url":"http://localhost:3000/x","headers":[]},
       "response":{"status":0}}]}}"#;
    let records = read_har(input, &limits()).unwrap_or_else(|e| panic!("request-only entries read: {e}"));
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].started_at, 0, "no startedDateTime is the epoch, not an error");
    assert_eq!(records[0].http_version, "HTTP/1.1", "a missing httpVersion defaults");
    assert_eq!(records[0].header("X-Retry").as_deref(), Some("3"), "a numeric header value is taken as text");
    assert_eq!(records[0].body, br#"{"a":1}"#.to_vec());
    assert_eq!((records[0].response.clone(), records[0].error.clone()), (None, None), "no response, no error");
    assert_eq!(records[1].error.as_deref(), Some("no response"), "status 0 without _error");
}

#[test]
fn har_errors_name_the_entry_and_the_field() {
    let cases: [(&str, &str); 7] = [
        (
            r#"{"log":{"entries":[{"request":{"method":"GET","url":"http://a/"}},{"request":{"method":"GET"}}]}}"#,
            "entries[1].request.url: missing",
        ),
        (
            r#"{"log":{"entries":[{"request":{"method":7,"url":"http://a/"}}]}}"#,
            "entries[0].request.method: must be a string",
        ),
        (r#"{"log":{"entries":[{}]}}"#, "entries[0].request: missing"),
        (
            r#"{"log":{"entries":[{"request":{"method":"GET","url":"u","headers":[{"value":"x"}]}}]}}"#,
            "entries[0].request.headers[0].name: missing",
        ),
        (
            r#"{"log":{"entries":[{"startedDateTime":"soon","request":{"method":"GET","url":"u"}}]}}"#,
            "entries[0].startedDateTime: 'soon'",
        ),
        (
            r#"{"log":{"entries":[{"request":{"method":"POST","url":"u","postData":{"text":"!!","encoding":"base64"}}}]}}"#,
            "entries[0].request.postData.text: is not valid base64",
        ),
        (r#"{"log":{}}"#, "log.entries: missing"),
    ];
    for (input, want) in cases {
        let e = read_har(input.as_bytes(), &limits()).err().unwrap_or_else(|| panic!("{input} is refused"));
        assert!(e.message.starts_with(want), "{input}\n  gave: {}\n  want: {want}", e.message);
        assert_eq!(e.code(), "import_invalid");
    }
    let not_json = read_har(b"<html>", &limits()).err().map(|e| e.code());
    assert_eq!(not_json, Some("import_malformed"));
    let not_har = read_har(b"{\"entries\":[]}", &limits()).err().map(|e| e.message).unwrap_or_default();
    assert!(not_har.contains("\"log\""), "{not_har}");
}

#[test]
fn har_limits_refuse_hostile_sizes_before_holding_them() {
    let entry = r#"{"request":{"method":"GET","url":"http://a/"}}"#;
    let many = format!(r#"{{"log":{{"entries":[{}]}}}}"#, [entry; 11].join(","));
    let small = ImportLimits { max_records: 10, ..limits() };
    assert_eq!(read_har(many.as_bytes(), &small).err().map(|e| e.kind), Some(ImportErrorKind::TooLarge), "entries");

    let values = format!(r#"{{"log":{{"entries":[],"junk":[{}]}}}}"#, ["0"; 1000].join(","));
    let tight = ImportLimits { max_json_values: 500, ..limits() };
    let e = read_har(values.as_bytes(), &tight).err().map(|e| e.kind);
    assert_eq!(e, Some(ImportErrorKind::TooLarge), "counted before parsing");

    let body = format!(
        r#"{{"log":{{"entries":[{{"request":{{"method":"POST","url":"u","postData":{{"text":"{}"}}}}}}]}}}}"#,
        "a".repeat(2000)
    );
    let bodies = ImportLimits { max_body_bytes: 1000, ..limits() };
    let e = read_har(body.as_bytes(), &bodies).err().map(|e| e.message).unwrap_or_default();
    assert!(e.starts_with("entries[0].request.postData.text:"), "{e}");
    let input = ImportLimits { max_input_bytes: 10, ..limits() };
    assert_eq!(read_har(entry.as_bytes(), &input).err().map(|e| e.kind), Some(ImportErrorKind::TooLarge));
}

fn one(command: &str) -> ExchangeRecord {
    let mut records = read_curl(command.as_bytes(), &limits()).unwrap_or_else(|e| panic!("{command}: {e}"));
    assert_eq!(records.len(), 1, "{command} is one request");
    records.remove(0)
}

fn headers_of(r: &ExchangeRecord) -> Vec<(String, String)> {
    r.headers.iter().map(|h| (h.name.clone(), String::from_utf8_lossy(&h.value).into_owned())).collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn stripe_docs_commands_import_with_basic_auth_and_form_bodies() {
    let records = read_curl(&fixture("stripe.sh"), &limits()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(records.len(), 2, "comments and blank lines are skipped");
    let create = &records[0];
    assert_eq!(create.method, "POST", "data makes it a POST");
    assert_eq!(create.url, "https://api.stripe.com/v1/customers");
    assert_eq!(
        headers_of(create),
        pairs(&[
            ("Authorization", "Basic c2tfdGVzdF80ZUMzOUhxTHlqV0Rhcmp0VDF6ZHA3ZGM6"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ])
    );
    assert_eq!(
        String::from_utf8_lossy(&create.body),
        "name=Jenny Rosen&email=jenny.rosen%2Btest%40example.com&metadata[order_id]=6735",
        "-d pieces join with &, --data-urlencode encodes the value only"
    );
    let list = &records[1];
    assert_eq!((list.method.as_str(), list.url.as_str()), ("GET", "https://api.stripe.com/v1/customers?limit=3"), "-G");
    assert!(list.body.is_empty() && list.header("Content-Type").is_none(), "-G moves the data into the URL");
}

#[test]
fn github_docs_commands_import_with_their_headers_in_order() {
    let r = one(&String::from_utf8_lossy(&fixture("github.sh")));
    assert_eq!(r.method, "POST");
    assert_eq!(r.url, "https://api.github.com/repos/OWNER/REPO/issues");
    assert_eq!(
        headers_of(&r),
        pairs(&[
            ("Accept", "application/vnd.github+json"),
            ("Authorization", "Bearer <YOUR-TOKEN>"),
            ("X-GitHub-Api-Version", "2022-11-28"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ]),
        "curl really sends -d as a form, so the import says so"
    );
    assert_eq!(
        String::from_utf8_lossy(&r.body),
        r#"{"title":"Found a bug","body":"I'm having a problem with this.","labels":["bug"]}"#
    );
}

#[test]
fn browser_copy_as_curl_imports() {
    let chrome = read_curl(&fixture("chrome_curl.sh"), &limits()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(chrome.len(), 2, "Chrome's `Copy all as cURL` separates commands with ;");
    assert_eq!(chrome[0].method, "POST", "--data-raw makes a POST");
    assert_eq!(String::from_utf8_lossy(&chrome[0].body), r#"{"note":"it's \"done\"","emoji":"é"}"#, "$'…' escapes");
    assert_eq!(chrome[0].header("cookie").as_deref(), Some("session=f00d; theme=dark"));
    assert_eq!(chrome[0].headers.iter().filter(|h| h.name.eq_ignore_ascii_case("content-type")).count(), 1);
    assert_eq!((chrome[1].method.as_str(), chrome[1].body.len()), ("GET", 0));

    let firefox = one(&String::from_utf8_lossy(&fixture("firefox_curl.sh")));
    assert_eq!(firefox.method, "PUT", "-X wins over the data's POST");
    assert_eq!(firefox.body, b"status=shipped; carrier=ups".to_vec());
    assert_eq!(firefox.header("Connection").as_deref(), Some("keep-alive"), "the command's own headers are kept");
    assert_eq!(firefox.headers.len(), 5, "--compressed adds nothing");
}

#[test]
fn curl_methods_default_as_curl_does() {
    assert_eq!(one("curl http://h/").method, "GET");
    assert_eq!(one("curl -d x http://h/").method, "POST");
    assert_eq!(one("curl -I http://h/").method, "HEAD");
    assert_eq!(one("curl --head http://h/").method, "HEAD");
    assert_eq!(one("curl -XDELETE http://h/").method, "DELETE", "a short option's value may be attached");
    assert_eq!(one("curl -G -d a=1 -d b=2 http://h/?z").url, "http://h/?z&a=1&b=2");
    assert_eq!(one("curl h.example/x").url, "http://h.example/x", "curl's default scheme");
    assert_eq!(one("curl --url http://h/u").url, "http://h/u");
    assert_eq!(one("$ curl -sSLk --http1.1 -o /dev/null -m 5 http://h/").url, "http://h/", "harmless flags, a prompt");
}

#[test]
fn curl_data_options_follow_curls_rules() {
    let json = one(r#"curl --json '{"a":' --json '1}' http://h/"#);
    assert_eq!(json.body, br#"{"a":1}"#.to_vec(), "--json pieces are concatenated");
    assert_eq!(headers_of(&json), pairs(&[("Accept", "application/json"), ("Content-Type", "application/json")]));
    let own = one(r#"curl --json '{}' -H 'content-type: application/vnd.api+json' http://h/"#);
    assert_eq!(own.header("Content-Type").as_deref(), Some("application/vnd.api+json"), "an explicit header wins");
    assert_eq!(own.headers.len(), 2, "and is not doubled");

    let encoded = one("curl --data-urlencode 'a b' --data-urlencode '=c&d' --data-urlencode 'n=é/' http://h/");
    assert_eq!(String::from_utf8_lossy(&encoded.body), "a%20b&c%26d&n=%C3%A9%2F");
    let raw = one("curl --data-raw '@not-a-file' http://h/");
    assert_eq!(raw.body, b"@not-a-file".to_vec(), "--data-raw never reads files");
    let stripped = one(r"printf '%b' 'a\nb\r\nc' | curl -d @- http://h/");
    assert_eq!(stripped.body, b"abc".to_vec(), "-d @- drops newlines as curl does");
    let kept = one(r"printf '%b' 'a\nb\x00' | curl --data-binary @- http://h/");
    assert_eq!(kept.body, b"a\nb\0".to_vec(), "--data-binary keeps every byte");

    let removed = one("curl -H 'Content-Type:' -H 'X-Empty;' -d x http://h/");
    assert_eq!(headers_of(&removed), pairs(&[("X-Empty", "")]), "`Name:` removes, `Name;` sends empty");
    let agent = one("curl -A 'bot/1' -e http://ref/ -b 'a=1' http://h/");
    assert_eq!(headers_of(&agent), pairs(&[("User-Agent", "bot/1"), ("Referer", "http://ref/"), ("Cookie", "a=1")]));
}

#[test]
fn curl_errors_name_the_flag_or_the_file() {
    let cases: [(&str, ImportErrorKind, &str); 10] = [
        ("curl -d @body.json http://h/", ImportErrorKind::FileReference, "body.json"),
        ("curl --data-binary @/tmp/x http://h/", ImportErrorKind::FileReference, "/tmp/x"),
        ("curl -H @headers.txt http://h/", ImportErrorKind::FileReference, "headers.txt"),
        ("curl --frobnicate http://h/", ImportErrorKind::Unsupported, "--frobnicate"),
        ("curl -Z http://h/", ImportErrorKind::Unsupported, "-Z"),
        ("curl -F a=b http://h/", ImportErrorKind::Unsupported, "-F"),
        ("curl -X POST", ImportErrorKind::Invalid, "no URL"),
        ("curl -u alice http://h/", ImportErrorKind::Invalid, ":password"),
        ("curl 'http://h/", ImportErrorKind::Malformed, "never closed"),
        ("wget http://h/", ImportErrorKind::Unsupported, "'wget' is not a curl command"),
    ];
    for (input, kind, names) in cases {
        let e = read_curl(input.as_bytes(), &limits()).err().unwrap_or_else(|| panic!("{input} is refused"));
        assert_eq!(e.kind, kind, "{input}: {}", e.message);
        assert!(e.message.contains(names), "{input}: '{}' names {names}", e.message);
    }
    let second = read_curl(b"curl http://h/\n\ncurl --nope http://h/", &limits()).err().map(|e| e.message);
    assert!(second.is_some_and(|m| m.starts_with("command 2 (line 3)")), "errors say which command");
    let nothing = read_curl(b"# only a comment\n", &limits()).err().map(|e| e.kind);
    assert_eq!(nothing, Some(ImportErrorKind::Malformed));
}

#[test]
fn curl_limits_bound_commands_and_bodies() {
    let many = "curl http://h/\n".repeat(5);
    let few = ImportLimits { max_records: 4, ..limits() };
    assert_eq!(read_curl(many.as_bytes(), &few).err().map(|e| e.kind), Some(ImportErrorKind::TooLarge));
    let body = format!("curl -d {} -d {} http://h/", "a".repeat(600), "b".repeat(600));
    let small = ImportLimits { max_body_bytes: 1000, ..limits() };
    assert_eq!(read_curl(body.as_bytes(), &small).err().map(|e| e.kind), Some(ImportErrorKind::TooLarge));
}

#[test]
fn records_are_built_from_captures_attempts_and_events() {
    use hookbench_domain::outbox::{
        Attempt, AttemptResponse, AttemptState, Event, EventOrigin, EventState, EventSummary, SentRequest,
    };
    use hookbench_domain::{Capture, CaptureSummary};
    let summary = CaptureSummary {
        id: 12,
        received_at: "2026-11-30T00:53:20.123Z".into(),
        method: "POST".into(),
        path: "/hooks/x".into(),
        query: Some("a=1".into()),
        content_type: None,
        body_size: 2,
        body_stored: true,
        response_status: 0,
        remote_addr: "127.0.0.1:1".into(),
        endpoint_id: 4,
        verdict_valid: Some(true),
        duplicate_of: None,
        duplicate_count: 0,
        faults: vec![],
        response_note: Some("connection reset".into()),
    };
    let capture = Capture::from_parts(
        summary,
        "https://tunnel.example/hooks/x?a=1".into(),
        "HTTP/1.1".into(),
        &[Header::new("X-B", vec![0xff])],
        Some(b"{}"),
    );
    let from_receiver = ExchangeRecord::from_capture(&capture, Some("http://127.0.0.1:9000/"));
    assert_eq!(from_receiver.url, "http://127.0.0.1:9000/hooks/x?a=1", "the receiver base rebuilds the URL");
    assert_eq!(ExchangeRecord::from_capture(&capture, None).url, "https://tunnel.example/hooks/x?a=1");
    assert_eq!(from_receiver.started_at, 1_796_000_000_123);
    assert_eq!(from_receiver.headers, vec![Header::new("X-B", vec![0xff])], "exact header bytes");
    assert_eq!(from_receiver.body, b"{}".to_vec());
    assert_eq!((from_receiver.response.clone(), from_receiver.error.as_deref()), (None, Some("connection reset")));
    assert_eq!((from_receiver.meta.capture_id, from_receiver.meta.verdict_valid), (Some(12), Some(true)));

    let event = Event {
        summary: EventSummary {
            id: 7,
            destination_id: Some(1),
            url: "http://app/hooks".into(),
            method: "POST".into(),
            idempotency_key: "k".into(),
            state: EventState::Delivered,
            created_at: 5,
            updated_at: 6,
            next_attempt_at: None,
            attempt_count: 1,
            last_status: Some(200),
            last_error: None,
            dead_reason: None,
            resent_from: None,
            body_size: 2,
            target_key: "destination:1".into(),
            origin: EventOrigin::Replay,
            capture_id: Some(12),
            batch_id: None,
        },
        headers: vec![(&Header::new("X-Event", "e")).into()],
        body_base64: "e30=".into(),
        settings: Default::default(),
        first_attempt_at: Some(10),
        exact: false,
    };
    let attempt = Attempt {
        id: 70,
        event_id: 7,
        number: 1,
        state: AttemptState::Finished,
        started_at: 10,
        finished_at: Some(30),
        duration_ms: Some(20),
        request: SentRequest {
            method: "POST".into(),
            url: "http://app/hooks".into(),
            headers: vec![(&Header::new("webhook-signature", "v1,abc")).into()],
        },
        response: Some(AttemptResponse {
            status: 200,
            headers: vec![],
            body_base64: "b2s=".into(),
            body_truncated: false,
        }),
        error_class: None,
        error: None,
        next: None,
        breaker: None,
    };
    let sent = ExchangeRecord::from_attempt(&event, &attempt);
    assert_eq!((sent.kind, sent.id.as_deref()), (RecordKind::EventAttempt, Some("event:7/attempt:1")));
    assert_eq!(sent.body, b"{}".to_vec(), "the attempt sent the event's body");
    assert_eq!(sent.response.map(|r| (r.status, r.body)), Some((200, b"ok".to_vec())));
    assert_eq!((sent.duration_ms, sent.meta.attempt_number), (Some(20), Some(1)));
    assert_eq!(
        (sent.meta.capture_id, sent.meta.event_origin.as_deref()),
        (Some(12), Some("replay")),
        "a replay links back"
    );
    let pending = ExchangeRecord::from_event(&event);
    assert_eq!(headers_of(&pending), pairs(&[("X-Event", "e")]), "an event's request before signing");
}

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus for {target} is committed at {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the {target} corpus has seeds");
    files.into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap_or_default())).collect()
}

#[test]
fn the_committed_import_fuzz_corpora_run_without_panics_and_round_trip() {
    let mut accepted = 0;
    for (path, bytes) in corpus("har_import") {
        accepted += probe::har_import(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    assert!(accepted > 0, "some HAR seeds are valid, so the round trip is exercised");
    let mut accepted = 0;
    for (path, bytes) in corpus("curl_import") {
        accepted += probe::curl_import(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    assert!(accepted > 0, "some curl seeds are valid");
}

/// Pseudo-random mutations of the fixtures (a fixed xorshift sequence, so a failure reproduces).
#[test]
fn mutated_fixtures_never_panic_and_what_is_accepted_round_trips() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let seeds: Vec<(bool, Vec<u8>)> = vec![
        (true, fixture("chrome.har")),
        (true, fixture("firefox.har")),
        (true, write_har(&records(), &Redaction::none())),
        (false, fixture("stripe.sh")),
        (false, fixture("github.sh")),
        (false, fixture("chrome_curl.sh")),
        (false, write_curl_script(&records(), &Redaction::none())),
    ];
    const SPLICE: &[&[u8]] =
        &[b"\"", b"'", b"\\", b"$'", b"\\x", b"\n", b"|", b";", b"@", b"-d", b"{", b"]", b"\xff", b"\0"];
    for round in 0..1500 {
        let (is_har, seed) = &seeds[(next() as usize) % seeds.len()];
        let mut input = seed.clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() as usize) % (input.len() + 1);
            match next() % 3 {
                0 => input.truncate(at),
                1 => {
                    let piece = SPLICE[(next() as usize) % SPLICE.len()];
                    input.splice(at..at, piece.iter().copied());
                }
                _ => {
                    if at < input.len() {
                        input[at] = next() as u8;
                    }
                }
            }
        }
        let result = if *is_har { probe::har_import(&input) } else { probe::curl_import(&input) };
        if let Err(e) = result {
            panic!("round {round}: {e}\ninput: {}", String::from_utf8_lossy(&input));
        }
    }
}
