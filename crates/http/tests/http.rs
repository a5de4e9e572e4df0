//! The receiver and the control API over real sockets on port 0.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookbench_testkit::TestServer;
use reqwest::Method;
use serde_json::Value;

async fn only_capture(server: &TestServer) -> Value {
    let page = server.api_json("/api/captures").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "expected exactly one capture: {page}");
    let id = page["items"][0]["id"].as_i64().unwrap();
    server.api_json(&format!("/api/captures/{id}")).await
}

fn body_of(capture: &Value) -> Vec<u8> {
    BASE64.decode(capture["body_base64"].as_str().unwrap_or("")).unwrap()
}

fn header_pairs(capture: &Value) -> Vec<(String, String)> {
    capture["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["name"].as_str().unwrap().to_owned(), h["value"].as_str().unwrap().to_owned()))
        .collect()
}

mod receiver {
    use super::*;

    #[tokio::test]
    async fn every_kind_of_body_is_stored_byte_exact_and_acknowledged_with_its_id() {
        let binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        let cases: Vec<(&str, &str, Vec<u8>)> = vec![
            ("POST", "application/json", br#"{"id":"evt_1","nested":{"a":[1,2,3]}}"#.to_vec()),
            ("PUT", "application/x-www-form-urlencoded", b"a=1&b=two+words&c=%F0%9F%98%80".to_vec()),
            ("PATCH", "application/xml", b"<?xml version=\"1.0\"?><event id=\"1\"/>".to_vec()),
            ("POST", "application/octet-stream", binary),
            ("DELETE", "text/plain", Vec::new()),
        ];
        let server = TestServer::start().await;
        for (method, content_type, body) in cases {
            let res = server
                .client
                .request(Method::from_bytes(method.as_bytes()).unwrap(), server.receiver("/hooks/kind?x=1"))
                .header("Content-Type", content_type)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{method} {content_type} is acknowledged");
            let header_id: i64 = res.headers()["x-hookbench-capture-id"].to_str().unwrap().parse().unwrap();
            let ack: Value = res.json().await.unwrap();
            assert_eq!(ack["capture_id"].as_i64(), Some(header_id), "the ack names the capture");

            let capture = server.api_json(&format!("/api/captures/{header_id}")).await;
            assert_eq!(capture["method"], method);
            assert_eq!(capture["path"], "/hooks/kind");
            assert_eq!(capture["query"], "x=1");
            assert_eq!(capture["content_type"], content_type);
            assert_eq!(capture["body_size"].as_u64(), Some(body.len() as u64));
            assert_eq!(body_of(&capture), body, "{content_type} body must be byte-exact");

            let raw = server.api_request(Method::GET, &format!("/api/captures/{header_id}/body")).send().await.unwrap();
            assert_eq!(raw.headers()["content-type"], content_type, "the body is served with its own type");
            assert!(raw.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
            assert_eq!(raw.bytes().await.unwrap().to_vec(), body);
        }
    }

    #[tokio::test]
    async fn headers_keep_their_case_order_and_repeats_as_on_the_wire() {
        let server = TestServer::start().await;
        let wire = b"POST /order HTTP/1.1\r\nHost: example.test\r\nX-Zeta: 1\r\nx-alpha: 2\r\nX-Zeta: 3\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi";
        let response = server.raw_to_receiver(wire).await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        let capture = only_capture(&server).await;
        assert_eq!(capture["detected"], serde_json::json!([]), "no provider headers, nothing detected");
        let names: Vec<(String, String)> = header_pairs(&capture);
        let expected = [
            ("Host", "example.test"),
            ("X-Zeta", "1"),
            ("x-alpha", "2"),
            ("X-Zeta", "3"),
            ("Content-Length", "2"),
            ("Connection", "close"),
        ];
        assert_eq!(names, expected.map(|(a, b)| (a.to_owned(), b.to_owned())), "exactly the wire's header lines");
        assert_eq!(capture["url"], "http://example.test/order", "the URL uses the Host the client sent");
    }

    #[tokio::test]
    async fn pipelined_requests_on_one_connection_each_get_their_own_headers() {
        let server = TestServer::start().await;
        let wire = b"POST /first HTTP/1.1\r\nHost: h\r\nX-First: yes\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nPOST /second HTTP/1.1\r\nHost: h\r\nX-Second: yes\r\nContent-Length: 1\r\nConnection: close\r\n\r\nz";
        let response = server.raw_to_receiver(wire).await;
        assert_eq!(response.matches("HTTP/1.1 200").count(), 2, "{response}");
        let page = server.api_json("/api/captures").await;
        let second = server.api_json(&format!("/api/captures/{}", page["items"][0]["id"])).await;
        let first = server.api_json(&format!("/api/captures/{}", page["items"][1]["id"])).await;
        assert_eq!(first["path"], "/first");
        assert_eq!(body_of(&first), b"abc", "the chunked body is stored de-chunked");
        assert!(header_pairs(&first).iter().any(|(n, _)| n == "X-First"));
        assert!(header_pairs(&second).iter().any(|(n, _)| n == "X-Second"));
        assert!(!header_pairs(&second).iter().any(|(n, _)| n == "X-First"), "headers never leak between requests");
    }

    #[tokio::test]
    async fn header_values_that_are_not_utf8_are_kept_exactly() {
        let server = TestServer::start().await;
        let wire = b"GET /bin HTTP/1.1\r\nHost: h\r\nX-Latin1: caf\xe9\r\nConnection: close\r\n\r\n";
        server.raw_to_receiver(wire).await;
        let capture = only_capture(&server).await;
        let latin = capture["headers"].as_array().unwrap().iter().find(|h| h["name"] == "X-Latin1").unwrap();
        assert_eq!(BASE64.decode(latin["value_base64"].as_str().unwrap()).unwrap(), b"caf\xe9");
    }

    #[tokio::test]
    async fn a_body_over_the_limit_gets_413_with_a_reason_and_its_metadata_is_recorded() {
        let server = TestServer::start_with(|c| c.max_body_bytes = 1024).await;
        let res = server.client.post(server.receiver("/big")).body(vec![b'x'; 4096]).send().await.unwrap();
        assert_eq!(res.status(), 413);
        let reason: Value = res.json().await.unwrap();
        assert_eq!(reason["code"], "body_too_large");
        assert!(reason["message"].as_str().unwrap().contains("1024"), "the reason names the limit: {reason}");
        let capture = only_capture(&server).await;
        assert_eq!(capture["response_status"], 413);
        assert_eq!(capture["body_stored"], false);
        assert_eq!(capture["body_size"], 4096);
        assert_eq!(capture["body_base64"], Value::Null);
        let raw =
            server.api_request(Method::GET, &format!("/api/captures/{}/body", capture["id"])).send().await.unwrap();
        assert_eq!(raw.status(), 410, "an unstored body is gone, not empty");
    }

    #[tokio::test]
    async fn a_streamed_body_that_grows_past_the_limit_is_refused_too() {
        let server = TestServer::start_with(|c| c.max_body_bytes = 10).await;
        let wire = b"POST /chunks HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n";
        let response = server.raw_to_receiver(wire).await;
        assert!(response.starts_with("HTTP/1.1 413"), "{response}");
        assert_eq!(only_capture(&server).await["body_stored"], false);
    }

    #[tokio::test]
    async fn control_api_paths_on_the_receiver_are_captured_not_answered() {
        let server = TestServer::start().await;
        server.client.post(server.receiver("/x")).body("secret payload").send().await.unwrap();
        let res = server
            .client
            .get(server.receiver("/api/captures"))
            .bearer_auth(&server.running.token)
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        assert!(body.get("items").is_none(), "the receiver never serves the API: {body}");
        assert!(body["capture_id"].is_i64(), "it captured the request instead");
    }

    #[tokio::test]
    async fn captures_survive_a_restart() {
        let server = TestServer::start().await;
        server.client.post(server.receiver("/persist")).body("still here").send().await.unwrap();
        let dir = server.stop().await;
        let server = TestServer::start_in(dir, |_| {}).await;
        assert_eq!(body_of(&only_capture(&server).await), b"still here");
    }
}

mod api {
    use super::*;

    #[tokio::test]
    async fn health_is_open_and_everything_else_needs_the_token() {
        let server = TestServer::start().await;
        assert_eq!(server.client.get(server.api("/api/health")).send().await.unwrap().status(), 200);
        let none = server.client.get(server.api("/api/captures")).send().await.unwrap();
        assert_eq!(none.status(), 401);
        let err: Value = none.json().await.unwrap();
        assert_eq!(err["code"], "unauthorized");
        let wrong = server.client.get(server.api("/api/captures")).bearer_auth("nope").send().await.unwrap();
        assert_eq!(wrong.status(), 401);
        let in_query = server
            .client
            .get(server.api(&format!("/api/captures?token={}", server.running.token)))
            .send()
            .await
            .unwrap();
        assert_eq!(in_query.status(), 401, "the token in the query is only for the stream and downloads");
        assert_eq!(server.api_request(Method::GET, "/api/openapi.json").send().await.unwrap().status(), 200);
    }

    #[tokio::test]
    async fn a_foreign_host_or_origin_is_refused() {
        let server = TestServer::start().await;
        let rebinding =
            server.api_request(Method::GET, "/api/captures").header("Host", "attacker.example").send().await.unwrap();
        assert_eq!(rebinding.status(), 403, "DNS rebinding: a non-loopback Host is refused");
        let cross = server
            .api_request(Method::GET, "/api/captures")
            .header("Origin", "http://127.0.0.1:1")
            .send()
            .await
            .unwrap();
        assert_eq!(cross.status(), 403, "another page's origin is refused");
        let ui = server.client.get(server.api("/")).header("Host", "attacker.example").send().await.unwrap();
        assert_eq!(ui.status(), 403, "the UI is behind the same Host check");
    }

    #[tokio::test]
    async fn the_desktop_webview_origin_passes_cors_preflight() {
        let server = TestServer::start().await;
        let res = server
            .client
            .request(Method::OPTIONS, server.api("/api/captures"))
            .header("Origin", "tauri://localhost")
            .header("Access-Control-Request-Method", "DELETE")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
        assert_eq!(res.headers()["access-control-allow-origin"], "tauri://localhost");
    }

    #[tokio::test]
    async fn pages_follow_the_cursor_newest_first_and_filter() {
        let server = TestServer::start().await;
        for i in 0..7 {
            let method = if i % 2 == 0 { Method::POST } else { Method::GET };
            server.client.request(method, server.receiver(&format!("/p/{i}"))).send().await.unwrap();
        }
        let first = server.api_json("/api/captures?limit=3").await;
        assert_eq!(first["total"], 7);
        let paths: Vec<_> =
            first["items"].as_array().unwrap().iter().map(|c| c["path"].as_str().unwrap().to_owned()).collect();
        assert_eq!(paths, ["/p/6", "/p/5", "/p/4"]);
        let next = server.api_json(&format!("/api/captures?limit=3&before={}", first["next_cursor"])).await;
        assert_eq!(next["items"][0]["path"], "/p/3");
        let posts = server.api_json("/api/captures?method=POST&q=p/").await;
        assert_eq!(posts["total"], 4);
        let bad = server.api_request(Method::GET, "/api/captures?limit=many").send().await.unwrap();
        assert_eq!(bad.status(), 400);
        assert_eq!(bad.json::<Value>().await.unwrap()["code"], "bad_request");
    }

    #[tokio::test]
    async fn delete_one_and_clear_all() {
        let server = TestServer::start().await;
        for _ in 0..3 {
            server.client.post(server.receiver("/d")).send().await.unwrap();
        }
        let page = server.api_json("/api/captures").await;
        let id = page["items"][0]["id"].as_i64().unwrap();
        let del = server.api_request(Method::DELETE, &format!("/api/captures/{id}")).send().await.unwrap();
        assert_eq!(del.status(), 204);
        let again = server.api_request(Method::DELETE, &format!("/api/captures/{id}")).send().await.unwrap();
        assert_eq!(again.status(), 404);
        assert_eq!(server.api_request(Method::GET, "/api/captures/abc").send().await.unwrap().status(), 400);
        let cleared: Value =
            server.api_request(Method::DELETE, "/api/captures").send().await.unwrap().json().await.unwrap();
        assert_eq!(cleared["deleted"], 2);
        assert_eq!(server.api_json("/api/captures").await["total"], 0);
    }

    #[tokio::test]
    async fn the_stream_delivers_new_captures_live() {
        let server = TestServer::start().await;
        let mut stream =
            server.client.get(server.api(&format!("/api/stream?token={}", server.running.token))).send().await.unwrap();
        assert_eq!(stream.status(), 200);
        assert!(stream.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        server.client.post(server.receiver("/live")).body("{}").send().await.unwrap();
        let mut seen = String::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !seen.contains("event: capture.created") {
            let chunk = tokio::time::timeout_at(deadline, stream.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        assert!(seen.contains("\"path\":\"/live\""), "the event carries the summary: {seen}");
    }

    #[tokio::test]
    async fn the_openapi_document_lists_the_routes() {
        let server = TestServer::start().await;
        let doc = server.api_json("/api/openapi.json").await;
        for path in [
            "/api/captures",
            "/api/captures/{id}",
            "/api/captures/{id}/body",
            "/api/stream",
            "/api/health",
            "/api/info",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} is documented");
        }
        let info = server.api_json("/api/info").await;
        assert_eq!(info["receiver_url"].as_str(), Some(server.running.receiver_url.as_str()));
    }

    #[tokio::test]
    async fn unknown_api_routes_get_a_json_404_and_other_paths_get_the_ui() {
        let server = TestServer::start().await;
        let res = server.api_request(Method::GET, "/api/nope").send().await.unwrap();
        assert_eq!(res.status(), 404);
        assert_eq!(res.json::<Value>().await.unwrap()["code"], "not_found");
        let page = server.client.get(server.api("/")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
        assert!(page.text().await.unwrap().contains("<"), "an HTML page is served");
    }
}

mod endpoints {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn an_endpoint_created_over_the_api_checks_signatures_and_duplicates_at_once() {
        let server = TestServer::start().await;
        let created = server
            .api_request(Method::POST, "/api/endpoints")
            .json(&json!({
                "name": "GitHub", "path_prefix": "/github/",
                "signature": {"scheme": {"kind": "github"}, "secrets": ["It's a Secret to Everybody"]},
                "signature_mode": "enforce",
                "dedupe": {"source": {"kind": "header", "name": "X-GitHub-Delivery"}, "on_duplicate": "ok_duplicate"}
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let endpoint: Value = created.json().await.unwrap();
        assert_eq!(endpoint["path_prefix"], "/github", "the trailing slash is tidied away");

        // GitHub's documented test vector.
        let sig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        let send = |delivery: &'static str, sig: &'static str| {
            server
                .client
                .post(server.receiver("/github/push"))
                .header("X-Hub-Signature-256", sig)
                .header("X-GitHub-Delivery", delivery)
                .body("Hello, World!")
                .send()
        };
        let ok = send("d-1", sig).await.unwrap();
        assert_eq!(ok.status(), 200);
        let bad = send("d-2", "sha256=0000000000000000000000000000000000000000000000000000000000000000").await.unwrap();
        assert_eq!(bad.status(), 401, "enforce mode refuses a bad signature");
        let reason: Value = bad.json().await.unwrap();
        assert_eq!(reason["code"], "signature_invalid");
        let plain = server
            .client
            .post(server.receiver("/elsewhere"))
            .header("Stripe-Signature", "t=1,v1=ab")
            .body("{}")
            .send()
            .await
            .unwrap();
        let plain_id = plain.json::<Value>().await.unwrap()["capture_id"].clone();
        let suggested = server.api_json(&format!("/api/captures/{plain_id}")).await;
        assert_eq!(
            suggested["detected"][0]["scheme_id"], "stripe",
            "with no scheme set, the provider is detected: {suggested}"
        );
        let dup = send("d-1", sig).await.unwrap();
        let dup_body: Value = dup.json().await.unwrap();
        assert_eq!(dup_body["duplicate"], true, "{dup_body}");

        let invalid = server.api_json(&format!("/api/captures?endpoint={}&verdict=invalid", endpoint["id"])).await;
        assert_eq!(invalid["total"], 1);
        let detail = server.api_json(&format!("/api/captures/{}", invalid["items"][0]["id"])).await;
        assert_eq!(detail["verdict"]["reason"]["code"], "no_secret_matches");
        assert_eq!(server.api_json("/api/captures?duplicate=true").await["total"], 1);
    }

    #[tokio::test]
    async fn bad_endpoint_input_is_refused_naming_each_problem() {
        let server = TestServer::start().await;
        let res = server
            .api_request(Method::POST, "/api/endpoints")
            .json(
                &json!({"name": "", "path_prefix": "nope", "signature": {"scheme": {"kind": "stripe"}, "secrets": []}}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let err: Value = res.json().await.unwrap();
        let message = err["message"].as_str().unwrap();
        for part in ["name:", "path_prefix:", "signature.secrets:"] {
            assert!(message.contains(part), "{part} is named in: {message}");
        }
        let syntax = server
            .api_request(Method::POST, "/api/endpoints")
            .header("Content-Type", "application/json")
            .body("{")
            .send()
            .await
            .unwrap();
        assert_eq!(syntax.status(), 400);
        assert_eq!(syntax.json::<Value>().await.unwrap()["code"], "invalid_json");
        let default = server.api_request(Method::DELETE, "/api/endpoints/1").send().await.unwrap();
        assert_eq!(default.status(), 422, "the default endpoint stays");
    }

    #[tokio::test]
    async fn the_workbench_signs_and_verifies_with_every_step_shown() {
        let server = TestServer::start().await;
        let signed: Value = server
            .api_request(Method::POST, "/api/sign")
            .json(&json!({"scheme": {"kind": "slack"}, "secret": "8f742231b10e8888abcd99yyyzzz85a5", "body": "token=x&team_id=T1", "timestamp": 1796000000}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let headers = signed["headers"].clone();
        let verdict: Value = server
            .api_request(Method::POST, "/api/verify")
            .json(&json!({"scheme": {"kind": "slack"}, "secrets": ["8f742231b10e8888abcd99yyyzzz85a5"], "headers": headers, "body": "token=x&team_id=T1", "now_unix": 1796000100}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(verdict["valid"], true, "{verdict}");
        assert!(verdict["steps"].as_array().unwrap().len() >= 2, "the computation is shown step by step");
        assert!(verdict["detected"].as_array().unwrap().iter().any(|d| d.to_string().contains("slack")), "{verdict}");
        let schemes: Value = server.api_json("/api/schemes").await;
        assert!(schemes.as_array().unwrap().len() >= 15);
    }
}

mod faults {
    use super::*;
    use serde_json::json;
    use std::time::Instant;

    async fn add_fault(server: &TestServer, endpoint: i64, body: Value) -> Value {
        let res = server
            .api_request(Method::POST, &format!("/api/endpoints/{endpoint}/faults"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "adding {body}");
        res.json().await.unwrap()
    }

    #[tokio::test]
    async fn a_rate_limit_preset_answers_429_with_retry_after_and_the_capture_records_it() {
        let server = TestServer::start().await;
        add_fault(&server, 1, json!({"preset": "rate-limited"})).await;
        let res = server.client.post(server.receiver("/hook")).body("{}").send().await.unwrap();
        assert_eq!(res.status(), 429);
        assert_eq!(res.headers()["retry-after"], "30");
        let capture = only_capture(&server).await;
        assert_eq!(capture["response_status"], 429, "the capture says what the client was told");
        assert!(!capture["faults"].as_array().unwrap().is_empty(), "and which fault did it: {capture}");
        let banner = server.api_json("/api/faults").await;
        assert_eq!(banner["active"][0]["endpoint_id"], 1);
        let healed: Value =
            server.api_request(Method::DELETE, "/api/faults").send().await.unwrap().json().await.unwrap();
        assert_eq!(healed["removed"], 1);
        let ok = server.client.post(server.receiver("/hook")).body("{}").send().await.unwrap();
        assert_eq!(ok.status(), 200, "healed at once");
    }

    #[tokio::test]
    async fn fail_first_three_then_succeed_counts_right() {
        let server = TestServer::start().await;
        add_fault(&server, 1, json!({"preset": "fail-3"})).await;
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(server.client.post(server.receiver("/x")).send().await.unwrap().status().as_u16());
        }
        assert_eq!(statuses, [503, 503, 503, 200, 200]);
    }

    #[tokio::test]
    async fn latency_delays_the_answer_by_the_planned_time() {
        let server = TestServer::start().await;
        let plan = json!({"id": "slow", "name": "slow", "activated_at": 0, "fault": {"kind": "latency", "distribution": {"kind": "fixed", "ms": 400}}});
        add_fault(&server, 1, plan).await;
        let started = Instant::now();
        let res = server.client.post(server.receiver("/slow")).send().await.unwrap();
        let took = started.elapsed();
        assert_eq!(res.status(), 200);
        assert!(took >= Duration::from_millis(400), "took {took:?}, at least the 400 ms planned");
        assert!(took < Duration::from_millis(2_500), "took {took:?}, not wildly more");
    }

    #[tokio::test]
    async fn a_reset_gives_the_client_a_connection_error_not_a_status() {
        let server = TestServer::start().await;
        add_fault(&server, 1, json!({"id": "rst", "name": "rst", "activated_at": 0, "fault": {"kind": "reset"}})).await;
        let err = server.client.post(server.receiver("/r")).body("x").send().await.expect_err("no HTTP answer at all");
        assert!(!err.is_status() && !err.is_timeout(), "a connection-level error: {err:?}");
        let capture = only_capture(&server).await;
        assert_eq!(capture["response_status"], 0, "no answer was given");
        assert!(capture["response_note"].as_str().unwrap().contains("reset"));
    }

    #[tokio::test]
    async fn a_timeout_fault_holds_until_the_client_gives_up() {
        let server = TestServer::start().await;
        add_fault(
            &server,
            1,
            json!({"id": "hold", "name": "hold", "activated_at": 0, "fault": {"kind": "timeout", "max_hold_ms": 5000}}),
        )
        .await;
        let started = Instant::now();
        let err = server
            .client
            .post(server.receiver("/h"))
            .timeout(Duration::from_millis(600))
            .send()
            .await
            .expect_err("never answered");
        assert!(err.is_timeout(), "the client timed out: {err:?}");
        assert!(started.elapsed() >= Duration::from_millis(600));
    }

    #[tokio::test]
    async fn receiver_off_refuses_connections_until_healed() {
        let server = TestServer::start().await;
        add_fault(&server, 1, json!({"preset": "down"})).await;
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let refused = tokio::net::TcpStream::connect(server.running.receiver_addr).await.is_err();
            if refused {
                break;
            }
            assert!(Instant::now() < deadline, "the listener never went off");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(server.api_json("/api/faults").await["receiver_off"], true);
        server.api_request(Method::DELETE, "/api/endpoints/1/faults").send().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Ok(res) = server.client.post(server.receiver("/back")).send().await {
                assert_eq!(res.status(), 200);
                break;
            }
            assert!(Instant::now() < deadline, "the listener never came back");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn a_slow_body_is_trickled() {
        let server = TestServer::start().await;
        add_fault(&server, 1, json!({"id": "drip", "name": "drip", "activated_at": 0, "fault": {"kind": "slow_body", "bytes_per_sec": 50, "chunk_bytes": 10}})).await;
        let started = Instant::now();
        let res = server.client.post(server.receiver("/drip")).send().await.unwrap();
        let body = res.bytes().await.unwrap();
        assert!(body.len() > 20, "the receipt body arrives whole: {body:?}");
        let expected = Duration::from_secs_f64(((body.len() - 1) / 10) as f64 * 0.2);
        assert!(
            started.elapsed() >= expected,
            "{} bytes at 50 B/s in 10 B chunks take at least {expected:?}",
            body.len()
        );
    }

    #[tokio::test]
    async fn response_rules_answer_by_condition_with_templates() {
        let server = TestServer::start().await;
        let created: Value = server
            .api_request(Method::POST, "/api/endpoints")
            .json(&json!({
                "name": "Mock", "path_prefix": "/mock",
                "responses": {
                    "rules": [{"name": "paid", "when": [{"kind": "json_equals", "pointer": "/type", "value": "order.paid"}],
                               "status": 202, "headers": [{"name": "X-Echo", "value": "{{request.header.X-Request-Id}}"}],
                               "body": "{\"seen\":{{request.json./id | json}}}"}],
                    "default": {"status": 204, "body": ""}
                }
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(created["id"].is_i64(), "{created}");
        let paid = server
            .client
            .post(server.receiver("/mock/x"))
            .header("X-Request-Id", "r-1")
            .body(r#"{"type":"order.paid","id":"o_9"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(paid.status(), 202);
        assert_eq!(paid.headers()["x-echo"], "r-1");
        assert_eq!(paid.json::<Value>().await.unwrap(), json!({"seen": "o_9"}));
        let other = server.client.post(server.receiver("/mock/x")).body(r#"{"type":"other"}"#).send().await.unwrap();
        assert_eq!(other.status(), 204, "no rule matched: the default");
        let bad = server
            .api_request(Method::POST, "/api/endpoints")
            .json(&json!({"name": "Bad", "path_prefix": "/bad", "responses": {"rules": [], "default": {"status": 200, "body": "{{nope}}"}}}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 422);
        assert!(
            bad.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("responses.default"),
            "the template error names its place"
        );
    }
}

#[path = "http/consume.rs"]
mod consume;
#[path = "http/exchange.rs"]
mod exchange;
#[path = "http/metrics.rs"]
mod metrics;
#[path = "http/replay.rs"]
mod replay;
#[path = "http/sender.rs"]
mod sender;
