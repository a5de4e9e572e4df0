//! Who may use the control API, over real sockets: the token (every wrong shape of it), the Host
//! (DNS rebinding), the Origin (other pages), and the receiver, which never answers control paths.
#![allow(clippy::unwrap_used)]

use hookbench_testkit::{TestServer, raw_exchange};
use reqwest::Method;
use serde_json::Value;

#[tokio::test]
async fn every_wrong_shape_of_the_token_gets_401_and_the_right_one_passes() {
    let server = TestServer::start().await;
    let token = server.running.token.clone();
    let mut same_length = token.clone().into_bytes();
    same_length[0] = if same_length[0] == b'a' { b'b' } else { b'a' };
    let same_length = String::from_utf8(same_length).unwrap();
    let wrong = [
        format!("Bearer {same_length}"),
        format!("Bearer {}", &token[..token.len() - 1]),
        format!("Bearer {token}x"),
        format!("Bearer {}", token.to_uppercase()),
        "Bearer ".to_owned(),
        format!("Basic {token}"),
        token.clone(),
        format!("Token {token}"),
    ];
    for header in wrong {
        let res = server.client.get(server.api("/api/captures")).header("Authorization", &header).send().await.unwrap();
        assert_eq!(res.status(), 401, "{header:?} must be refused");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "unauthorized");
        assert!(body.get("items").is_none(), "a refusal carries no data");
    }
    let ok = server.client.get(server.api("/api/captures")).header("Authorization", format!("Bearer {token}"));
    assert_eq!(ok.send().await.unwrap().status(), 200);
    let stream = server.client.get(server.api(&format!("/api/stream?token={same_length}"))).send().await.unwrap();
    assert_eq!(stream.status(), 401, "a wrong token in the query of the stream is refused too");
    let body = server.client.get(server.api("/api/captures/1/body?token=")).send().await.unwrap();
    assert_eq!(body.status(), 401, "an empty query token is refused");
}

#[tokio::test]
async fn only_a_loopback_host_is_answered_even_with_the_token() {
    let server = TestServer::start().await;
    let port = server.running.api_addr.port();
    for host in [
        "attacker.example".to_owned(),
        format!("attacker.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        format!("localhost.attacker.example:{port}"),
        format!("10.0.0.1:{port}"),
        format!("0.0.0.0:{port}"),
    ] {
        let res = server.api_request(Method::GET, "/api/info").header("Host", &host).send().await.unwrap();
        assert_eq!(res.status(), 403, "Host {host} must be refused");
        assert_eq!(res.json::<Value>().await.unwrap()["code"], "host_forbidden");
    }
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")] {
        let res = server.api_request(Method::GET, "/api/info").header("Host", &host).send().await.unwrap();
        assert_eq!(res.status(), 200, "Host {host} is loopback");
    }
    // HTTP/1.0 lets a client leave Host out: no Host is not loopback.
    let wire = format!("GET /api/info HTTP/1.0\r\nAuthorization: Bearer {}\r\n\r\n", server.running.token);
    let answer = raw_exchange(server.running.api_addr, wire.as_bytes()).await;
    assert!(answer.contains(" 403 "), "{answer}");
}

#[tokio::test]
async fn a_foreign_origin_gets_no_cors_grant_and_no_answer() {
    let server = TestServer::start().await;
    for origin in ["http://attacker.example", "null", "http://127.0.0.1:1", "http://localhost"] {
        let preflight = server
            .client
            .request(Method::OPTIONS, server.api("/api/captures"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "DELETE")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
            .await
            .unwrap();
        assert!(
            preflight.headers().get("access-control-allow-origin").is_none(),
            "no CORS grant for {origin}: {:?}",
            preflight.headers()
        );
        let res = server.api_request(Method::DELETE, "/api/captures").header("Origin", origin).send().await.unwrap();
        assert_eq!(res.status(), 403, "{origin} cannot act even with the token");
    }
}

#[tokio::test]
async fn the_receiver_never_answers_a_control_path_it_captures_it() {
    let server = TestServer::start().await;
    server.client.post(server.receiver("/keep")).body("must survive").send().await.unwrap();
    let token = server.running.token.clone();
    let paths = [
        "/api/captures".to_owned(),
        "/api/captures/1".to_owned(),
        format!("/api/captures/1/body?token={token}"),
        "/api/info".to_owned(),
        "/api/openapi.json".to_owned(),
        "/api/health".to_owned(),
        format!("/api/stream?token={token}"),
        "/api/endpoints".to_owned(),
        format!("/?token={token}"),
    ];
    for path in &paths {
        for method in [Method::GET, Method::DELETE] {
            let res =
                server.client.request(method.clone(), server.receiver(path)).bearer_auth(&token).send().await.unwrap();
            assert_eq!(res.status(), 200, "{method} {path} is captured like any webhook");
            let body: Value = res.json().await.unwrap();
            assert!(body["capture_id"].is_i64(), "{method} {path} got a capture receipt: {body}");
            for leak in ["items", "version", "openapi", "paths", "receiver_url", "status"] {
                assert!(body.get(leak).is_none(), "{method} {path} answered with API data: {body}");
            }
        }
    }
    let page = server.api_json("/api/captures?limit=200").await;
    assert_eq!(page["total"].as_u64(), Some(1 + 2 * paths.len() as u64), "a DELETE on the receiver deleted nothing");
    let kept = page["items"].as_array().unwrap().iter().any(|c| c["path"] == "/keep");
    assert!(kept, "the first capture is still there");
}
