//! Export (HAR, JSON Lines, cURL) and import over the control API: round trips and redaction.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookbench_testkit::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn capture_samples(server: &TestServer) {
    let client = reqwest::Client::new();
    let binary: Vec<u8> = (0..=255u8).collect();
    let sends = [
        client.post(server.receiver("/x/json?a=1")).header("Content-Type", "application/json").body(r#"{"k":"v"}"#),
        client
            .put(server.receiver("/x/bin"))
            .header("X-Tag", "1")
            .header("X-Tag", "2")
            .header("X-Odd", reqwest::header::HeaderValue::from_bytes(b"\xe9t\xe9").unwrap())
            .body(binary),
        client.delete(server.receiver("/x/empty")),
    ];
    for req in sends {
        assert_eq!(req.send().await.unwrap().status(), 200);
    }
}

/// Method, path, query, header names (any case) with exact value bytes, and body bytes, per capture.
async fn requests(server: &TestServer, q: &str) -> Vec<(String, String, Value, Vec<(String, Vec<u8>)>, Vec<u8>)> {
    let page = server.api_json(&format!("/api/captures?q={q}&limit=100")).await;
    let mut out = Vec::new();
    for item in page["items"].as_array().unwrap().iter().rev() {
        let c = server.api_json(&format!("/api/captures/{}", item["id"])).await;
        let headers = c["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                let v = match h["value_base64"].as_str() {
                    Some(b) => BASE64.decode(b).unwrap(),
                    None => h["value"].as_str().unwrap().as_bytes().to_vec(),
                };
                (h["name"].as_str().unwrap().to_ascii_lowercase(), v)
            })
            .collect();
        let body = BASE64.decode(c["body_base64"].as_str().unwrap_or("")).unwrap();
        out.push((
            c["method"].as_str().unwrap().into(),
            c["path"].as_str().unwrap().into(),
            c["query"].clone(),
            headers,
            body,
        ));
    }
    out
}

async fn export(server: &TestServer, body: Value) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let res = server.api_request(Method::POST, "/api/export").json(&body).send().await.unwrap();
    (res.status(), res.headers().clone(), res.bytes().await.unwrap().to_vec())
}

async fn import(server: &TestServer, query: &str, bytes: Vec<u8>) -> (reqwest::StatusCode, Value) {
    let res = server.api_request(Method::POST, &format!("/api/import{query}")).body(bytes).send().await.unwrap();
    (res.status(), res.json().await.unwrap())
}

#[tokio::test]
async fn har_and_json_lines_round_trip_exactly_and_import_as_new_captures() {
    let source = TestServer::start().await;
    capture_samples(&source).await;
    let originals = requests(&source, "/x/").await;
    assert_eq!(originals.len(), 3);
    for format in ["har", "jsonl"] {
        let (status, headers, bytes) =
            export(&source, json!({"format": format, "source": {"kind": "captures", "q": "/x/"}, "redact": false}))
                .await;
        assert_eq!(status, 200);
        assert!(headers[reqwest::header::CONTENT_DISPOSITION].to_str().unwrap().contains(&format!(".{format}\"")));
        assert_eq!(headers["x-hookbench-records"], "3");
        let target = TestServer::start().await;
        let (status, result) = import(&target, "", bytes).await;
        assert_eq!(status, 201, "{result}");
        assert_eq!((result["imported"].as_u64(), result["format"].as_str()), (Some(3), Some(format)));
        let imported = requests(&target, "/x/").await;
        assert_eq!(imported, originals, "{format}: the same requests, byte for byte");
        let first = target.api_json(&format!("/api/captures/{}", result["capture_ids"][0])).await;
        assert_eq!(first["remote_addr"], "import");
        assert!(first["response_note"].as_str().unwrap().starts_with("imported from"), "{first}");
    }
}

#[tokio::test]
async fn exports_redact_signatures_secrets_and_the_token_unless_asked_not_to() {
    let server = TestServer::start().await;
    let endpoint = json!({"name": "stripe", "path_prefix": "/stripe",
        "signature": {"scheme": {"kind": "stripe"}, "secrets": [SECRET]}});
    assert_eq!(server.api_request(Method::POST, "/api/endpoints").json(&endpoint).send().await.unwrap().status(), 201);
    let res = reqwest::Client::new()
        .post(server.receiver("/stripe/hook"))
        .header("Stripe-Signature", "t=1,v1=deadbeef")
        .header("X-Echo", server.running.token.clone())
        .body(format!(r#"{{"leaked":"{SECRET}"}}"#))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    for format in ["har", "jsonl", "curl"] {
        let (status, _, bytes) = export(&server, json!({"format": format, "source": {"kind": "captures"}})).await;
        assert_eq!(status, 200);
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(SECRET), "{format}: the signing secret is redacted");
        assert!(!text.contains(&server.running.token), "{format}: the API token is redacted");
        assert!(!text.contains("deadbeef"), "{format}: the signature header is redacted");
        assert!(text.contains("[redacted]"), "{format}");
    }
    let (_, _, bytes) =
        export(&server, json!({"format": "jsonl", "source": {"kind": "captures"}, "redact": false})).await;
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("deadbeef"), "asked for: the exact bytes");
}

#[tokio::test]
async fn curl_commands_import_as_captures_and_bad_files_are_refused_whole_with_where() {
    let server = TestServer::start().await;
    let curl = "curl https://api.example.com/hooks/stripe?x=1 \\\n  -H 'Content-Type: application/json' \\\n  -d '{\"id\":\"evt_1\"}'\n";
    let (status, result) = import(&server, "?format=curl", curl.as_bytes().to_vec()).await;
    assert_eq!(status, 201, "{result}");
    let c = server.api_json(&format!("/api/captures/{}", result["capture_ids"][0])).await;
    assert_eq!(
        (c["method"].as_str(), c["path"].as_str(), c["query"].as_str()),
        (Some("POST"), Some("/hooks/stripe"), Some("x=1"))
    );
    assert_eq!(BASE64.decode(c["body_base64"].as_str().unwrap()).unwrap(), br#"{"id":"evt_1"}"#);

    let before = server.api_json("/api/captures").await["total"].clone();
    let bad_har = json!({"log": {"version": "1.2", "entries": [
        {"request": {"method": "POST", "url": "http://x/ok", "headers": [], "httpVersion": "HTTP/1.1"}},
        {"request": {"method": "POST", "headers": []}}
    ]}});
    let (status, body) = import(&server, "?format=har", serde_json::to_vec(&bad_har).unwrap()).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["message"].as_str().unwrap().contains("entries[1]"), "names where: {body}");
    let (status, body) = import(&server, "", b"curl -d @payload.json https://x/".to_vec()).await;
    assert_eq!(status, 422);
    assert!(body["message"].as_str().unwrap().contains("payload.json"), "{body}");
    let (status, _) = import(&server, "?endpoint=999", curl.as_bytes().to_vec()).await;
    assert_eq!(status, 422, "an unknown endpoint is refused");
    assert_eq!(server.api_json("/api/captures").await["total"], before, "nothing stored from a refused file");
}

#[tokio::test]
async fn full_text_search_finds_words_in_bodies_headers_and_paths_with_the_other_filters() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let sends = [
        ("/stripe/hook", "X-Source", "stripe", r#"{"type":"invoice.paid","customer":"cus_Nq81"}"#),
        ("/github/push", "X-GitHub-Event", "push", r#"{"ref":"refs/heads/main","pusher":{"name":"octocat"}}"#),
        ("/shop/orders?topic=orders%2Fcreate", "X-Shopify-Topic", "orders/create", r#"{"note":"Crème brûlée"}"#),
    ];
    for (path, name, value, body) in sends {
        let res = client.post(server.receiver(path)).header(name, value).body(body).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
    let paths = |page: &Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|c| c["path"].as_str().unwrap().to_owned()).collect()
    };
    let search = |q: &str| {
        let path = format!("/api/captures?search={}", urlencode(q));
        let server = &server;
        async move { server.api_json(&path).await }
    };
    assert_eq!(paths(&search("invoice").await), ["/stripe/hook"], "a word of the body");
    assert_eq!(paths(&search("cus_Nq").await), ["/stripe/hook"], "a prefix");
    assert_eq!(paths(&search("octocat main").await), ["/github/push"], "every word must appear");
    assert_eq!(paths(&search("octocat stripe").await), Vec::<String>::new());
    assert_eq!(paths(&search("X-GitHub-Event").await), ["/github/push"], "a header name");
    assert_eq!(paths(&search("creme brulee").await), ["/shop/orders"], "diacritics fold");
    assert_eq!(paths(&search("\"invoice.paid\"").await), ["/stripe/hook"], "a phrase");
    assert_eq!(paths(&search("NEAR( AND OR \"").await), Vec::<String>::new(), "operators are plain words, never a 500");
    assert_eq!(search("hook").await["total"], 1);
    let with_filters = server.api_json("/api/captures?search=orders&method=POST&status=200&since=0").await;
    assert_eq!(paths(&with_filters), ["/shop/orders"]);
    let future = server.api_json("/api/captures?search=orders&since=99999999999999").await;
    assert_eq!(future["total"], 0, "the time range applies");
    let first = server.api_json("/api/captures?search=invoice").await["items"][0]["id"].clone();
    assert_eq!(
        server.api_request(Method::DELETE, &format!("/api/captures/{first}")).send().await.unwrap().status(),
        204
    );
    assert_eq!(search("invoice").await["total"], 0, "a deleted capture leaves the index");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
