//! `/api/metrics` (JSON and Prometheus), `/api/alerts`, `/api/storage` and retention over real sockets.

use std::time::{Duration, Instant};

use hookbench_testkit::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

async fn put(server: &TestServer, path: &str, body: Value) -> (u16, Value) {
    let res = server.api_request(Method::PUT, path).json(&body).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn metrics_count_what_happened_per_endpoint_and_destination_and_prometheus_says_the_same() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    for i in 0..4 {
        let res = client.post(server.receiver(&format!("/m/{i}"))).body("{}").send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
    let dest = json!({"name": "sink", "url": server.receiver("/sink"), "retry": "none"});
    let res = server.api_request(Method::POST, "/api/destinations").json(&dest).send().await.unwrap();
    assert_eq!(res.status(), 201);
    for _ in 0..2 {
        let res = server
            .api_request(Method::POST, "/api/events")
            .json(&json!({"destination": "sink", "body": "{}"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    let m = loop {
        let m = server.api_json("/api/metrics?window=15m").await;
        if m["destinations"][0]["delivered"] == 2 {
            break m;
        }
        assert!(Instant::now() < deadline, "{m}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!((m["window_ms"].as_i64(), m["bucket_ms"].as_i64()), (Some(900_000), Some(30_000)));
    let d = &m["destinations"][0];
    assert_eq!(
        (d["name"].as_str(), d["attempts"].as_u64(), d["success_rate"].as_f64()),
        (Some("sink"), Some(2), Some(1.0))
    );
    assert_eq!(d["series"].as_array().unwrap().len(), 30, "every bucket of the window");
    assert!(d["latency_ms"]["p95"].as_u64().is_some(), "{d}");
    let default = &m["endpoints"][0];
    assert_eq!(default["requests"], 6, "4 posts and the 2 deliveries to /sink: {default}");
    assert_eq!(default["signature_failure_rate"], Value::Null, "nothing checked");
    let bad = server.api_request(Method::GET, "/api/metrics?window=2d").send().await.unwrap();
    assert_eq!(bad.status(), 422);

    let res = server.api_request(Method::GET, "/api/metrics/prometheus").send().await.unwrap();
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = res.text().await.unwrap();
    assert!(text.contains("# TYPE hookbench_retry_queue gauge\nhookbench_retry_queue 0\n"), "{text}");
    assert!(text.contains("hookbench_attempts_last_hour{destination=\"sink\",outcome=\"success\"} 2"), "{text}");
    assert!(text.contains("hookbench_captures_last_hour{endpoint=\"Default\"} 6"), "{text}");
    assert!(text.contains("hookbench_breaker_open{destination=\"sink\"} 0"), "{text}");

    let alerts = server.api_json("/api/alerts").await;
    assert_eq!(alerts["rules"]["dead_letters_max"], 0);
    assert_eq!(alerts["active"], json!([]));
    let (status, body) = put(&server, "/api/alerts/rules", json!({"p95_latency_ms": "fast"})).await;
    assert_eq!(status, 422, "{body}");
    let (status, rules) = put(&server, "/api/alerts/rules", json!({"retry_queue_max": 10})).await;
    assert_eq!((status, rules["retry_queue_max"].as_u64()), (200, Some(10)));
}

#[tokio::test]
async fn retention_deletes_the_oldest_captures_beyond_the_limit_and_storage_shows_the_room_used() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    for i in 0..10 {
        let res = client.post(server.receiver(&format!("/r/{i}"))).body(vec![b'x'; 100]).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
    let storage = server.api_json("/api/storage").await;
    assert_eq!((storage["captures"].as_u64(), storage["body_bytes"].as_u64()), (Some(10), Some(1000)));
    assert!(storage["db_bytes"].as_u64().unwrap() > 0);
    let (status, body) = put(&server, "/api/settings", json!({"retention": {"max_captures": 0}})).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = put(&server, "/api/settings", json!({"retention": {"max_captures": 3}})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["retention"], json!({"max_captures": 3, "max_age_days": null}));
    let page = server.api_json("/api/captures?limit=100").await;
    let paths: Vec<&str> = page["items"].as_array().unwrap().iter().map(|c| c["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/r/9", "/r/8", "/r/7"], "the newest three stay");
    assert_eq!(server.api_json("/api/storage").await["captures"], 3);
    let (status, _) = put(&server, "/api/settings", json!({"retention": {"max_age_days": 30}, "colour": "red"})).await;
    assert_eq!(status, 422, "an unknown setting is refused, not ignored");
}
