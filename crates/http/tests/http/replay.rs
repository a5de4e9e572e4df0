//! Replay and edit-and-replay against Hookbench's own receiver on port 0: byte-exact, re-signed,
//! edited, and a dead letter's second chain.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookbench_testkit::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

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

/// The newest capture whose path starts with `prefix`.
async fn newest_at(server: &TestServer, prefix: &str) -> Value {
    let page = server.api_json(&format!("/api/captures?q={prefix}&limit=1")).await;
    let id = page["items"][0]["id"].as_i64().unwrap_or_else(|| panic!("no capture at {prefix}: {page}"));
    server.api_json(&format!("/api/captures/{id}")).await
}

/// Header bytes as received, names lower-cased (HTTP/1 clients send them so), without the hop-by-hop ones.
fn replayable(capture: &Value) -> Vec<(String, Vec<u8>)> {
    let hop = ["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"];
    capture["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let value = match h["value_base64"].as_str() {
                Some(b) => BASE64.decode(b).unwrap(),
                None => h["value"].as_str().unwrap().as_bytes().to_vec(),
            };
            (h["name"].as_str().unwrap().to_ascii_lowercase(), value)
        })
        .filter(|(n, _)| !hop.contains(&n.as_str()))
        .collect()
}

async fn replay(server: &TestServer, capture: i64, body: Value) -> reqwest::Response {
    server.api_request(Method::POST, &format!("/api/captures/{capture}/replay")).json(&body).send().await.unwrap()
}

async fn created(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

#[tokio::test]
async fn a_replay_as_received_arrives_byte_for_byte_binary_body_repeated_and_non_utf8_headers_included() {
    let server = TestServer::start().await;
    let body: Vec<u8> = (0..=255u8).chain([0, 0xff, b'\r', b'\n']).collect();
    let odd = reqwest::header::HeaderValue::from_bytes(b"caf\xe9 latin-1").unwrap();
    let res = reqwest::Client::new()
        .put(server.receiver("/in/binary?x=1"))
        .header("Content-Type", "application/octet-stream")
        .header("X-Tag", "a")
        .header("X-Tag", "b")
        .header("X-Legacy", odd)
        .header("Stripe-Signature", "t=1,v1=00")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let original = newest_at(&server, "/in/").await;
    let event = created(
        replay(&server, original["id"].as_i64().unwrap(), json!({"url": server.receiver("/out/binary")})).await,
    )
    .await;
    assert_eq!((event["origin"].as_str(), event["capture_id"].as_i64()), (Some("replay"), original["id"].as_i64()));
    let done = settled(&server, event["id"].as_i64().unwrap()).await;
    assert_eq!(done["state"], "delivered", "{done}");
    let arrived = newest_at(&server, "/out/").await;
    assert_eq!(arrived["method"], "PUT");
    assert_eq!(BASE64.decode(arrived["body_base64"].as_str().unwrap()).unwrap(), body, "the body is byte-exact");
    let (sent, got) = (replayable(&original), replayable(&arrived));
    let added: Vec<_> = got.iter().filter(|h| !sent.contains(h)).map(|(n, _)| n.as_str()).collect();
    // reqwest adds only what every client must: accept and user-agent when the original had none.
    assert!(added.iter().all(|n| ["accept", "user-agent"].contains(n)), "added {added:?}");
    let kept: Vec<_> = got.iter().filter(|h| sent.contains(h)).cloned().collect();
    assert_eq!(kept, sent, "every original header, in order, repeats and non-UTF-8 bytes included");
    assert!(!got.iter().any(|(n, _)| n == "idempotency-key"), "nothing is added to an exact replay");
}

#[tokio::test]
async fn a_resigned_replay_passes_the_verifier_where_the_original_signature_failed() {
    let server = TestServer::start().await;
    let endpoint = json!({"name": "signed", "path_prefix": "/signed",
        "signature": {"scheme": {"kind": "standard_webhooks"}, "secrets": [SECRET]}, "signature_mode": "enforce"});
    let res = server.api_request(Method::POST, "/api/endpoints").json(&endpoint).send().await.unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let dest = json!({"name": "app", "url": server.receiver("/signed/hook"),
        "signing": {"scheme": "standard-webhooks", "secrets": [SECRET]}, "retry": "none"});
    let res = server.api_request(Method::POST, "/api/destinations").json(&dest).send().await.unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let res = reqwest::Client::new()
        .post(server.receiver("/in/order"))
        .header("Content-Type", "application/json")
        .header("webhook-id", "msg_old")
        .header("webhook-timestamp", "1")
        .header("webhook-signature", "v1,AAAA")
        .body(r#"{"type":"order.paid"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let original = newest_at(&server, "/in/").await;
    let id = original["id"].as_i64().unwrap();

    let as_is = created(replay(&server, id, json!({"destination": "app"})).await).await;
    let as_is = settled(&server, as_is["id"].as_i64().unwrap()).await;
    assert_eq!(
        (as_is["state"].as_str(), as_is["last_status"].as_i64()),
        (Some("dead"), Some(401)),
        "old signature: refused"
    );

    let resigned = created(replay(&server, id, json!({"destination": "app", "mode": "resigned"})).await).await;
    let resigned = settled(&server, resigned["id"].as_i64().unwrap()).await;
    assert_eq!(resigned["state"], "delivered", "{resigned}");
    let arrived = newest_at(&server, "/signed/").await;
    assert_eq!(arrived["verdict_valid"], true, "{}", arrived["verdict"]);
    let ids: Vec<_> = arrived["headers"].as_array().unwrap().iter().filter(|h| h["name"] == "webhook-id").collect();
    assert_eq!(ids.len(), 1, "the old id header was replaced, not repeated");

    let no_secret = replay(&server, id, json!({"url": server.receiver("/x"), "mode": "resigned"})).await;
    assert_eq!(no_secret.status(), 422);
    assert!(no_secret.text().await.unwrap().contains("to re-sign"));
}

#[tokio::test]
async fn an_edited_replay_sends_the_edit_refuses_bad_json_with_its_place_and_leaves_the_capture_alone() {
    let server = TestServer::start().await;
    let res = reqwest::Client::new()
        .post(server.receiver("/in/edit"))
        .header("Content-Type", "application/json")
        .body(r#"{"amount":100}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let original = newest_at(&server, "/in/").await;
    let id = original["id"].as_i64().unwrap();
    let bad =
        replay(&server, id, json!({"url": server.receiver("/out"), "edit": {"body": "{\n \"amount\": 1OO\n}"}})).await;
    assert_eq!(bad.status(), 422);
    let message = bad.json::<Value>().await.unwrap()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("edit.body: not valid JSON at line 2 column"), "{message}");
    for (edit, field) in [
        (json!({"method": "GE T"}), "edit.method"),
        (json!({"url": "ftp://nowhere"}), "edit.url"),
        (json!({"body": "{}", "body_base64": "e30="}), "edit.body"),
    ] {
        let res = replay(&server, id, json!({"url": server.receiver("/out"), "edit": edit})).await;
        assert_eq!(res.status(), 422, "{edit}");
        assert!(res.text().await.unwrap().contains(field), "{edit} names {field}");
    }
    let edit = json!({"method": "PATCH", "body": r#"{"amount":250}"#,
        "headers": [{"name": "Content-Type", "value": "application/json"}, {"name": "X-Edited", "value": "yes"}]});
    let event = created(replay(&server, id, json!({"url": server.receiver("/out/edited"), "edit": edit})).await).await;
    assert_eq!(settled(&server, event["id"].as_i64().unwrap()).await["state"], "delivered");
    let arrived = newest_at(&server, "/out/").await;
    assert_eq!(arrived["method"], "PATCH");
    assert_eq!(BASE64.decode(arrived["body_base64"].as_str().unwrap()).unwrap(), br#"{"amount":250}"#);
    assert!(arrived["headers"].as_array().unwrap().iter().any(|h| h["name"] == "x-edited"));
    let again = server.api_json(&format!("/api/captures/{id}")).await;
    assert_eq!(again["body_base64"], original["body_base64"], "the original is never changed");
    assert_eq!(again["method"], "POST");
}

#[tokio::test]
async fn a_dead_letter_edited_and_resent_starts_a_new_chain_linked_to_the_old() {
    let server = TestServer::start().await;
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        format!("http://127.0.0.1:{port}/gone")
    };
    let sent = server
        .api_request(Method::POST, "/api/events")
        .json(&json!({"url": refused, "body": r#"{"n":1}"#, "policy": "none"}))
        .send()
        .await
        .unwrap();
    let dead = settled(&server, created(sent).await["id"].as_i64().unwrap()).await;
    assert_eq!(dead["state"], "dead");
    let old = dead["id"].as_i64().unwrap();
    let path = format!("/api/events/{old}/resend");
    let bad = server.api_request(Method::POST, &path).json(&json!({"edit": {"body": "{oops"}})).send().await.unwrap();
    assert_eq!(bad.status(), 422, "the event's body is JSON: an invalid edit is refused");
    let res = server
        .api_request(Method::POST, &path)
        .json(&json!({"edit": {"url": server.receiver("/healed"), "body": r#"{"n":2}"#}}))
        .send()
        .await
        .unwrap();
    let new = created(res).await;
    assert_eq!((new["resent_from"].as_i64(), new["origin"].as_str()), (Some(old), Some("resend")));
    assert_eq!(settled(&server, new["id"].as_i64().unwrap()).await["state"], "delivered");
    let arrived = newest_at(&server, "/healed").await;
    assert_eq!(BASE64.decode(arrived["body_base64"].as_str().unwrap()).unwrap(), br#"{"n":2}"#);
    let old_detail = server.api_json(&format!("/api/events/{old}")).await;
    assert_eq!(old_detail["state"], "dead", "the dead letter stays as it was");
    assert!(
        old_detail["marks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["text"].as_str().unwrap().contains("edited and resent"))
    );
    let plain = server.api_request(Method::POST, &path).send().await.unwrap();
    assert_eq!(plain.status(), 201, "no body: resent as it was");
}

/// Sends `n` captures to `path` on the receiver, 16 at a time.
async fn capture_many(server: &TestServer, path: &str, n: usize) {
    use futures_util::StreamExt as _;
    let client = reqwest::Client::new();
    futures_util::stream::iter(0..n)
        .for_each_concurrent(16, |i| {
            let client = client.clone();
            let url = server.receiver(path);
            async move {
                let res = client.post(url).header("Content-Type", "application/json").body(format!(r#"{{"n":{i}}}"#));
                assert_eq!(res.send().await.unwrap().status(), 200);
            }
        })
        .await;
}

#[tokio::test]
async fn a_bulk_replay_of_1000_captures_is_previewed_paced_reported_live_and_all_delivered() {
    let server = TestServer::start().await;
    capture_many(&server, "/bulk/in", 1000).await;
    let mut live = server.running.engine().subscribe();
    let source = json!({"kind": "captures", "q": "/bulk/in"});
    let preview = server
        .api_request(Method::POST, "/api/replays/preview")
        .json(&json!({"source": source, "to": {"url": server.receiver("/bulk/out")}}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(preview["total"], 1000, "{preview}");
    assert_eq!(preview["sample"].as_array().unwrap().len(), 20);

    let body = json!({"source": source, "to": {"url": server.receiver("/bulk/out")}, "rate_per_sec": 500});
    let batch = created(server.api_request(Method::POST, "/api/replays").json(&body).send().await.unwrap()).await;
    let id = batch["id"].as_i64().unwrap();
    assert_eq!((batch["total"].as_i64(), batch["state"].as_str()), (Some(1000), Some("running")));
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut progress = Vec::new();
    loop {
        let msg = tokio::time::timeout_at(deadline.into(), live.recv()).await.expect("progress within 60 s").unwrap();
        if let hookbench_engine::LiveEvent::BatchUpdated(b) = msg.event {
            progress.push(b.done);
            if b.counts.delivered == 1000
                || (b.state == hookbench_domain::batch::BatchState::Done && progress.len() > 1000)
            {
                break;
            }
            if b.state == hookbench_domain::batch::BatchState::Done {
                // Enqueued; now wait for the deliveries.
                let done = loop {
                    let b = server.api_json(&format!("/api/replays/{id}")).await;
                    if b["counts"]["delivered"] == 1000 || Instant::now() > deadline {
                        break b;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                };
                assert_eq!(done["counts"]["delivered"], 1000, "{done}");
                break;
            }
        }
    }
    assert!(progress.len() >= 3, "progress is published as it goes: {progress:?}");
    // Snapshots from settling events may overtake one another by a step; the trend only grows.
    let dips = progress.windows(2).filter(|w| w[1] + 5 < w[0]).count();
    assert_eq!(dips, 0, "progress never goes back by more than a few items: {progress:?}");
    assert_eq!(*progress.last().unwrap(), 1000);
    // Every capture arrived once. (Counted until it settles: a snapshot of the batch can be read a
    // moment before the last captures' list does — noted in the session's closing note.)
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let out = server.api_json("/api/captures?q=/bulk/out&limit=1").await;
        if out["total"] == 1000 {
            break;
        }
        assert!(out["total"].as_u64().unwrap() < 1000 && Instant::now() < deadline, "{}", out["total"]);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The pace: 1000 items at 500/s take at least ~2 s from first to last enqueue.
    let events = server.api_json("/api/events?limit=500").await;
    let times: Vec<i64> =
        events["items"].as_array().unwrap().iter().map(|e| e["created_at"].as_i64().unwrap()).collect();
    let spread = times.iter().max().unwrap() - times.iter().min().unwrap();
    assert!(spread >= 900, "500 events at 500/s are spread over about a second, not sent at once: {spread} ms");
}

#[tokio::test]
async fn a_bulk_replay_pauses_resumes_and_cancels_and_resends_dead_letters_by_filter() {
    let server = TestServer::start().await;
    capture_many(&server, "/slow/in", 60).await;
    let body = json!({"source": {"kind": "captures", "q": "/slow/in"}, "to": {"url": server.receiver("/slow/out")}, "rate_per_sec": 20});
    let batch = created(server.api_request(Method::POST, "/api/replays").json(&body).send().await.unwrap()).await;
    let path = format!("/api/replays/{}", batch["id"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let paused =
        server.api_request(Method::POST, &format!("{path}/pause")).send().await.unwrap().json::<Value>().await.unwrap();
    assert_eq!(paused["state"], "paused");
    tokio::time::sleep(Duration::from_millis(150)).await;
    let at = server.api_json(&path).await["done"].as_i64().unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(server.api_json(&path).await["done"].as_i64().unwrap(), at, "nothing is enqueued while paused");
    assert!(at > 0 && at < 60, "{at}");
    let again = server.api_request(Method::POST, &format!("{path}/pause")).send().await.unwrap();
    assert_eq!(again.status(), 409, "pausing a paused replay is a conflict");
    let resumed = server.api_request(Method::POST, &format!("{path}/resume")).send().await.unwrap();
    assert_eq!(resumed.status(), 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancelled = server
        .api_request(Method::POST, &format!("{path}/cancel"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(cancelled["state"], "cancelled");
    let stopped = cancelled["done"].as_i64().unwrap();
    assert!(stopped > at && stopped < 60, "resumed, then stopped early: {at} → {stopped}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.api_json(&path).await["done"].as_i64().unwrap(), stopped, "nothing after cancel");

    // Dead letters of one destination, resent by filter once the target is fixed.
    let dest = json!({"name": "flaky", "url": server.receiver("/fixed"), "retry": "none"});
    let dest = created(server.api_request(Method::POST, "/api/destinations").json(&dest).send().await.unwrap()).await;
    let plan = json!({"id": "p", "name": "p", "activated_at": 0, "fault": {"kind": "status", "status": 400}});
    assert_eq!(
        server.api_request(Method::POST, "/api/endpoints/1/faults").json(&plan).send().await.unwrap().status(),
        200
    );
    for _ in 0..3 {
        let sent = server
            .api_request(Method::POST, "/api/events")
            .json(&json!({"destination": dest["id"], "body": "{}"}))
            .send()
            .await
            .unwrap();
        assert_eq!(settled(&server, created(sent).await["id"].as_i64().unwrap()).await["state"], "dead");
    }
    assert_eq!(server.api_request(Method::DELETE, "/api/faults").send().await.unwrap().status(), 200);
    let source = json!({"kind": "events", "state": "dead", "destination": dest["id"]});
    let bad = server
        .api_request(Method::POST, "/api/replays")
        .json(&json!({"source": source, "to": {"url": "http://x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422, "events go back to their own target");
    let batch = created(
        server
            .api_request(Method::POST, "/api/replays")
            .json(&json!({"source": source, "rate_per_sec": 100}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(batch["total"], 3);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let b = server.api_json(&format!("/api/replays/{}", batch["id"])).await;
        if b["counts"]["delivered"] == 3 {
            break;
        }
        assert!(Instant::now() < deadline, "{b}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
