//! The sender against Hookbench's own receiver on port 0, made to misbehave with fault plans.

use std::time::{Duration, Instant};

use hookbench_testkit::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn add_fault(server: &TestServer, fault: Value) {
    let plan = json!({"id": "plan", "name": "plan", "activated_at": 0, "fault": fault});
    let res = server.api_request(Method::POST, "/api/endpoints/1/faults").json(&plan).send().await.unwrap();
    assert_eq!(res.status(), 200, "adding the fault plan {plan}");
}

/// A policy of these delays without jitter, so the gaps can be checked.
fn delays(list: &[&str]) -> Value {
    json!({"schedule": {"kind": "delays", "list": list}, "jitter_pct": 0})
}

async fn send(server: &TestServer, body: Value) -> Value {
    let res = server.api_request(Method::POST, "/api/events").json(&body).send().await.unwrap();
    let status = res.status();
    let event: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "the event is stored: {event}");
    event
}

/// Follows an event until it reaches a final state (at most 15 s of real time).
async fn settled(server: &TestServer, id: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let event = server.api_json(&format!("/api/events/{id}")).await;
        if matches!(event["state"].as_str(), Some("delivered" | "dead" | "cancelled")) {
            return event;
        }
        assert!(Instant::now() < deadline, "event {id} never settled: {event}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn statuses(event: &Value) -> Vec<Value> {
    event["attempts"].as_array().unwrap().iter().map(|a| a["response"]["status"].clone()).collect()
}

/// The clock time between the end of attempt `n` and the start of attempt `n + 1` (1-based).
fn gap_after(event: &Value, n: usize) -> i64 {
    let attempts = event["attempts"].as_array().unwrap();
    attempts[n]["started_at"].as_i64().unwrap() - attempts[n - 1]["finished_at"].as_i64().unwrap()
}

fn header<'a>(headers: &'a Value, name: &str) -> Option<&'a str> {
    headers.as_array()?.iter().find(|h| h["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))?["value"]
        .as_str()
}

#[tokio::test]
async fn three_503s_then_200_is_delivered_on_attempt_4_after_the_planned_gaps_with_one_id_and_fresh_signatures() {
    let server = TestServer::start().await;
    add_fault(&server, json!({"kind": "fail_first", "n": 3})).await;
    let event = send(
        &server,
        json!({"url": server.receiver("/orders"), "body": "{\"id\":1}", "secret": SECRET,
               "policy": delays(&["0", "100ms", "200ms", "300ms", "5s"])}),
    )
    .await;
    assert_eq!(event["state"], "pending", "the answer comes from the outbox, before any attempt");
    let event = settled(&server, event["id"].as_i64().unwrap()).await;
    assert_eq!(event["state"], "delivered");
    assert_eq!(statuses(&event), [json!(503), json!(503), json!(503), json!(200)], "delivered on attempt 4");
    for (n, planned) in [(1, 100), (2, 200), (3, 300)] {
        let gap = gap_after(&event, n);
        assert!((planned..planned + 1_000).contains(&gap), "gap after attempt {n} is {gap} ms, planned {planned}");
    }
    let because = event["attempts"][0]["next"]["because"].as_str().unwrap();
    assert!(because.contains("503 is retryable") && because.contains("attempt 2"), "the decision says why: {because}");

    let page = server.api_json("/api/captures").await;
    let captures = page["items"].as_array().unwrap();
    assert_eq!(captures.len(), 4, "the receiver saw four requests");
    let mut ids = Vec::new();
    for c in captures {
        let capture = server.api_json(&format!("/api/captures/{}", c["id"])).await;
        ids.push(header(&capture["headers"], "webhook-id").unwrap().to_owned());
        assert!(header(&capture["headers"], "webhook-signature").unwrap().starts_with("v1,"), "each attempt is signed");
    }
    ids.dedup();
    assert_eq!(ids, [event["idempotency_key"].as_str().unwrap()], "every attempt carries the event's one id");
}

#[tokio::test]
async fn a_reset_connection_is_classified_and_retried() {
    let server = TestServer::start().await;
    add_fault(&server, json!({"kind": "fail_first", "n": 1, "fault": {"kind": "reset"}})).await;
    let event =
        send(&server, json!({"url": server.receiver("/r"), "body": "x", "policy": delays(&["0", "50ms"])})).await;
    let event = settled(&server, event["id"].as_i64().unwrap()).await;
    assert_eq!(event["state"], "delivered", "the retry got through: {event}");
    assert_eq!(event["attempts"][0]["error_class"], "reset", "no response, and why: {}", event["attempts"][0]);
    assert_eq!(event["attempts"][0]["response"], Value::Null);
    assert_eq!(event["attempts"][1]["response"]["status"], 200);
}

#[tokio::test]
async fn a_400_is_a_dead_letter_at_once_with_the_reason() {
    let server = TestServer::start().await;
    add_fault(&server, json!({"kind": "status", "status": 400, "body": "bad payload"})).await;
    let event = send(&server, json!({"url": server.receiver("/x"), "body": "{}", "policy": "aggressive"})).await;
    let event = settled(&server, event["id"].as_i64().unwrap()).await;
    assert_eq!(event["state"], "dead");
    assert_eq!(event["attempts"].as_array().unwrap().len(), 1, "no retry of a terminal status");
    assert_eq!(event["dead_reason"], "400 is not retryable: dead letter");
    let dead = server.api_json("/api/dead-letters").await;
    assert_eq!(dead["counts"][0]["count"], 1, "counted among the dead letters: {dead}");
    assert_eq!(dead["items"][0]["id"], event["id"]);
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_when_the_target_asked_not_on_the_schedule() {
    let server = TestServer::start().await;
    add_fault(
        &server,
        json!({"kind": "fail_first", "n": 1, "fault": {"kind": "status", "status": 429, "retry_after": {"kind": "seconds", "secs": 1}}}),
    )
    .await;
    let event =
        send(&server, json!({"url": server.receiver("/x"), "body": "{}", "policy": delays(&["0", "20s"])})).await;
    let event = settled(&server, event["id"].as_i64().unwrap()).await;
    assert_eq!(event["state"], "delivered");
    let gap = gap_after(&event, 1);
    assert!((1_000..3_000).contains(&gap), "retried after the 1 s the target asked for, not 20 s: {gap} ms");
    let because = event["attempts"][0]["next"]["because"].as_str().unwrap();
    assert!(because.contains("Retry-After: 1 s honoured"), "{because}");
}

#[tokio::test]
async fn the_breaker_opens_after_five_failures_defers_without_counting_then_a_probe_closes_it() {
    let server = TestServer::start().await;
    add_fault(&server, json!({"kind": "fail_first", "n": 5})).await;
    let destination = json!({"name": "flaky", "url": server.receiver("/flaky"),
        "retry": delays(&["0", "10ms", "10ms", "10ms", "10ms", "10ms", "10ms"]),
        "breaker": {"failure_threshold": 5, "cool_down": "700ms"}});
    let res = server.api_request(Method::POST, "/api/destinations").json(&destination).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let event = send(&server, json!({"destination": "flaky", "body": "{}"})).await;
    let event = settled(&server, event["id"].as_i64().unwrap()).await;
    assert_eq!(event["state"], "delivered", "{event}");
    let attempts = event["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 6, "five failures, then the probe; deferrals are not attempts");
    assert_eq!(attempts[4]["breaker"]["kind"], "opened", "the fifth failure opened the circuit");
    assert_eq!(attempts[5]["breaker"]["kind"], "closed", "the probe's success closed it");
    let gap = gap_after(&event, 5);
    assert!(gap >= 700, "the probe waited out the cool-down: {gap} ms");
    let kinds: Vec<&str> = event["marks"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"breaker_opened") && kinds.contains(&"breaker_deferred"), "on the timeline: {kinds:?}");
    assert!(kinds.contains(&"breaker_closed"), "{kinds:?}");
}

#[tokio::test]
async fn bad_input_is_refused_with_422_naming_the_field() {
    let server = TestServer::start().await;
    for (body, field) in [
        (json!({"url": "not a url", "body": "x"}), "url:"),
        (json!({"url": server.receiver("/x"), "policy": "nope"}), "policy:"),
        (json!({"url": server.receiver("/x"), "scheme": "stripe"}), "secret:"),
        (json!({"body": "x"}), "destination:"),
        (json!({"destination": "missing", "body": "x"}), "destination:"),
    ] {
        let res = server.api_request(Method::POST, "/api/events").json(&body).send().await.unwrap();
        assert_eq!(res.status(), 422, "{body}");
        let error: Value = res.json().await.unwrap();
        assert_eq!(error["code"], "invalid_input");
        assert!(error["message"].as_str().unwrap().contains(field), "{field} named in {error}");
    }
    let res = server
        .api_request(Method::POST, "/api/destinations")
        .json(&json!({"name": "x", "url": "ftp://x", "timeout_ms": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let message = res.json::<Value>().await.unwrap()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("url:") && message.contains("timeout_ms:"), "{message}");
}

#[tokio::test]
async fn an_event_can_be_cancelled_retried_and_resent_and_shows_its_plan() {
    let server = TestServer::start().await;
    add_fault(&server, json!({"kind": "status", "status": 503})).await;
    let event = send(&server, json!({"url": server.receiver("/x"), "body": "{}", "policy": "standard"})).await;
    let id = event["id"].as_i64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let detail = loop {
        let detail = server.api_json(&format!("/api/events/{id}")).await;
        if detail["state"] == "retrying" {
            break detail;
        }
        assert!(Instant::now() < deadline, "the first attempt never finished: {detail}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(detail["plan"].as_array().unwrap().len(), 7, "the standard policy plans seven attempts");
    assert_eq!(detail["plan"][1]["offset"]["real_ms"], 60_000, "attempt 2 one minute after the first");
    let cancelled: Value = server
        .api_request(Method::POST, &format!("/api/events/{id}/cancel"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(cancelled["next_attempt_at"], Value::Null, "nothing more is due");
    server.api_request(Method::DELETE, "/api/faults").send().await.unwrap();
    let retried: Value = server
        .api_request(Method::POST, &format!("/api/events/{id}/retry"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(retried["state"], "retrying", "a person can bring it back");
    assert_eq!(settled(&server, id).await["state"], "delivered");
    let res = server.api_request(Method::POST, &format!("/api/events/{id}/resend")).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let resent: Value = res.json().await.unwrap();
    assert_eq!(resent["resent_from"], id, "linked to the original");
    assert_ne!(resent["idempotency_key"], event["idempotency_key"], "a new event has a new key");
    let again = server.api_request(Method::POST, &format!("/api/events/{id}/cancel")).send().await.unwrap();
    assert_eq!(again.status(), 409, "a delivered event cannot be cancelled");
    let presets = server.api_json("/api/retry-presets").await;
    assert_eq!(presets.as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn a_probe_that_closes_the_circuit_releases_the_events_it_deferred_at_once() {
    let server = TestServer::start().await;
    add_fault(&server, json!({"kind": "fail_first", "n": 1})).await;
    let destination = json!({"name": "once", "url": server.receiver("/once"),
        "retry": delays(&["0", "10ms", "10ms", "10ms"]),
        "breaker": {"failure_threshold": 1, "cool_down": "600ms", "max_cool_down": "600ms"}});
    let res = server.api_request(Method::POST, "/api/destinations").json(&destination).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let first = send(&server, json!({"destination": "once", "body": "1"})).await["id"].as_i64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.api_json(&format!("/api/events/{first}")).await["attempts"][0]["state"] != "finished" {
        assert!(Instant::now() < deadline, "the first attempt never finished");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let second = send(&server, json!({"destination": "once", "body": "2"})).await["id"].as_i64().unwrap();
    let (a, b) = (settled(&server, first).await, settled(&server, second).await);
    assert_eq!((a["state"].as_str(), b["state"].as_str()), (Some("delivered"), Some("delivered")));
    let last_start = |e: &Value| e["attempts"].as_array().unwrap().last().unwrap()["started_at"].as_i64().unwrap();
    let (probe, other) = if last_start(&a) <= last_start(&b) { (&a, &b) } else { (&b, &a) };
    let closed_at = probe["attempts"].as_array().unwrap().last().unwrap()["finished_at"].as_i64().unwrap();
    let waited = last_start(other) - closed_at;
    assert!(waited < 400, "released when the probe closed the circuit, not a cool-down later: {waited} ms");
    let kinds: Vec<&str> = other["marks"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"breaker_deferred") && kinds.contains(&"breaker_released"), "{kinds:?}");
}

#[tokio::test]
async fn https_to_a_plain_http_listener_is_a_tls_failure() {
    let server = TestServer::start().await;
    let url = server.receiver("/tls").replace("http://", "https://");
    let event = send(&server, json!({"url": url, "body": "{}", "policy": "none"})).await;
    let event = settled(&server, event["id"].as_i64().unwrap()).await;
    assert_eq!(event["state"], "dead");
    assert_eq!(event["attempts"][0]["error_class"], "tls", "classified: {}", event["attempts"][0]["error"]);
}

#[tokio::test]
async fn an_event_detail_has_no_duplicate_keys() {
    let server = TestServer::start().await;
    let event = send(&server, json!({"url": server.receiver("/d"), "body": "{}"})).await;
    let id = event["id"].as_i64().unwrap();
    settled(&server, id).await;
    let text =
        server.api_request(Method::GET, &format!("/api/events/{id}")).send().await.unwrap().text().await.unwrap();
    let top_level: Vec<String> =
        serde_json::from_str::<serde_json::Map<String, Value>>(&text).unwrap().keys().cloned().collect();
    let written = text.matches("\"attempts\":").count();
    assert_eq!(written, 1, "the count and the list of attempts have different names: {top_level:?}");
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["attempt_count"], 1);
}

#[tokio::test]
async fn the_global_time_scale_is_read_changed_checked_and_applied_to_events_without_their_own() {
    let server = TestServer::start().await;
    let none = json!({"max_captures": null, "max_age_days": null});
    assert_eq!(server.api_json("/api/settings").await, json!({"time_scale": 1.0, "retention": none}));
    let res = server.api_request(Method::PUT, "/api/settings").json(&json!({"time_scale": 60})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"time_scale": 60.0, "retention": none}));
    assert_eq!(server.api_json("/api/settings").await["time_scale"], 60.0);
    for (bad, status) in [(json!({"time_scale": 0.5}), 422), (json!({"time_scale": 99999}), 422)] {
        let res = server.api_request(Method::PUT, "/api/settings").json(&bad).send().await.unwrap();
        assert_eq!(res.status(), status, "{bad}");
        let body: Value = res.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains("time"), "{body}");
    }
    // An event sent to a URL without its own scale runs at the global one.
    let event = send(&server, json!({"url": server.receiver("/scaled"), "body": "{}"})).await;
    let detail = server.api_json(&format!("/api/events/{}", event["id"])).await;
    assert_eq!(detail["time_scale"], 60.0, "{detail}");
}
