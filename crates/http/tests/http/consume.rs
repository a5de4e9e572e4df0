//! Consuming an endpoint's captures over the control API: SSE with `Last-Event-ID` resume, poll
//! and ack (at-least-once), and a capture showing its forward (held, then released).

use std::collections::BTreeSet;
use std::time::Duration;

use hookbench_testkit::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

async fn endpoint(server: &TestServer, prefix: &str, extra: Value) -> i64 {
    let mut doc = json!({"name": prefix, "path_prefix": prefix});
    for (k, v) in extra.as_object().unwrap() {
        doc[k] = v.clone();
    }
    let res = server.api_request(Method::POST, "/api/endpoints").json(&doc).send().await.unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn capture(server: &TestServer, path: &str, body: String) -> i64 {
    let res = server.client.post(server.receiver(path)).body(body).send().await.unwrap();
    assert!(res.status().is_success(), "{path} answered {}", res.status());
    res.headers()["x-hookbench-capture-id"].to_str().unwrap().parse().unwrap()
}

/// One server-sent event: `(event, id, data)`.
type Sse = (String, Option<String>, String);

/// Reads an SSE response event by event.
struct SseReader {
    res: reqwest::Response,
    buf: String,
}

impl SseReader {
    async fn next(&mut self) -> Sse {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut event, mut id, mut data) = (String::from("message"), None, String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() && id.is_none() {
                    continue; // a keep-alive comment
                }
                return (event, id, data);
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.res.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .expect("the stream stays open");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next `capture` event's id and data.
    async fn capture(&mut self) -> (i64, Value) {
        loop {
            let (event, id, data) = self.next().await;
            if event == "capture" {
                let data: Value = serde_json::from_str(&data).unwrap();
                let id: i64 = id.expect("a capture event has an id").parse().unwrap();
                assert_eq!(data["id"].as_i64(), Some(id), "the SSE id is the capture id");
                return (id, data);
            }
        }
    }
}

#[tokio::test]
async fn an_sse_consumer_that_disconnects_resumes_with_last_event_id_without_gap_or_duplicate() {
    let server = TestServer::start().await;
    let id = endpoint(&server, "/feed", json!({})).await;
    endpoint(&server, "/other", json!({})).await;
    let before = capture(&server, "/feed", "before".into()).await;

    let res = server.api_request(Method::GET, &format!("/api/endpoints/{id}/stream?after=0")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let mut first = SseReader { res, buf: String::new() };
    let (event, _, _) = first.next().await;
    assert_eq!(event, "ready");

    // Captures keep arriving (on this endpoint and another) while the consumer reads, drops and resumes.
    let total = 60;
    let sender = {
        let client = server.client.clone();
        let (feed, other) = (server.receiver("/feed/x"), server.receiver("/other"));
        tokio::spawn(async move {
            let mut ids = Vec::new();
            for n in 0..total {
                let res = client.post(&feed).body(format!("n={n}")).send().await.unwrap();
                ids.push(res.headers()["x-hookbench-capture-id"].to_str().unwrap().parse::<i64>().unwrap());
                client.post(&other).body("noise").send().await.unwrap();
            }
            ids
        })
    };
    let mut seen = Vec::new();
    while seen.len() < 15 {
        let (cid, data) = first.capture().await;
        assert!(data["headers"].is_array() && data["body_base64"].is_string(), "a full capture: {data}");
        seen.push(cid);
    }
    drop(first);
    let last = *seen.last().unwrap();

    // Resume with the header on one connection…
    let res = server
        .api_request(Method::GET, &format!("/api/endpoints/{id}/stream"))
        .header("Last-Event-ID", last.to_string())
        .send()
        .await
        .unwrap();
    let mut second = SseReader { res, buf: String::new() };
    while seen.len() < 35 {
        seen.push(second.capture().await.0);
    }
    drop(second);
    // …and with ?after= and ?token= on another, as a client that cannot set headers would.
    let last = *seen.last().unwrap();
    let url = server.api(&format!("/api/endpoints/{id}/stream?after={last}&token={}", server.running.token));
    let res = server.client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200, "?token= is accepted on an endpoint's stream");
    let mut third = SseReader { res, buf: String::new() };
    let sent = sender.await.unwrap();
    while seen.len() < total + 1 {
        seen.push(third.capture().await.0);
    }

    let mut expected = vec![before];
    expected.extend(&sent);
    assert_eq!(seen, expected, "every capture of the endpoint once, in id order, across two reconnects");
    let unique: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicate at a seam");
}

#[tokio::test]
async fn poll_and_ack_redeliver_what_was_not_acknowledged() {
    let server = TestServer::start().await;
    let id = endpoint(&server, "/poll", json!({})).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(capture(&server, "/poll", format!("n={n}")).await);
    }
    let page = server.api_json(&format!("/api/endpoints/{id}/poll?consumer=worker&limit=3")).await;
    let got: Vec<i64> = page["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(got, ids[..3], "oldest first, up to the limit");
    assert_eq!((page["acked"].as_i64(), page["next_cursor"].as_i64()), (Some(0), Some(ids[2])));

    // The consumer handled only the first two before it crashed: the third comes again.
    let ack = |n: i64| {
        server
            .api_request(Method::POST, &format!("/api/endpoints/{id}/ack"))
            .json(&json!({"consumer": "worker", "id": n}))
    };
    let acked: Value = ack(ids[1]).send().await.unwrap().json().await.unwrap();
    assert_eq!(acked["acked"].as_i64(), Some(ids[1]));
    let page = server.api_json(&format!("/api/endpoints/{id}/poll?consumer=worker")).await;
    let got: Vec<i64> = page["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(got, ids[2..], "what was not acknowledged is delivered again");

    let acked: Value = ack(ids[0]).send().await.unwrap().json().await.unwrap();
    assert_eq!(acked["acked"].as_i64(), Some(ids[1]), "an older ack never moves the mark back");
    let other = server.api_json(&format!("/api/endpoints/{id}/poll?consumer=other&limit=1")).await;
    assert_eq!(other["items"][0]["id"].as_i64(), Some(ids[0]), "each consumer has its own mark");

    // A long poll returns as soon as a capture arrives.
    ack(ids[4]).send().await.unwrap();
    let waiting = {
        let req = server.api_request(Method::GET, &format!("/api/endpoints/{id}/poll?consumer=worker&wait=20"));
        tokio::spawn(async move { req.send().await.unwrap().json::<Value>().await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let late = capture(&server, "/poll", "late".into()).await;
    let page = waiting.await.unwrap();
    assert_eq!(page["items"][0]["id"].as_i64(), Some(late), "{page}");

    let res = ack(-1).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let res = server.api_request(Method::GET, &format!("/api/endpoints/{id}/poll?consumer=bad%20name")).send().await;
    let res = res.unwrap();
    assert_eq!(res.status(), 422, "a consumer name is checked");
    assert!(res.text().await.unwrap().contains("consumer:"));
    let res = server.api_request(Method::GET, "/api/endpoints/999/poll").send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_capture_shows_its_held_forward_which_is_released_after_an_edit() {
    let server = TestServer::start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let forward = json!({"forward": {"url": format!("http://127.0.0.1:{port}/app"), "hold": true}});
    let id = endpoint(&server, "/fw", forward).await;
    let res = server
        .api_request(Method::POST, "/api/endpoints")
        .json(&json!({"name": "bad", "path_prefix": "/bad", "forward": {"url": "nope", "timeout_ms": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let message = res.json::<Value>().await.unwrap()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("forward.url:") && message.contains("forward.timeout_ms:"), "{message}");

    let capture_id = capture(&server, "/fw", r#"{"a":1}"#.into()).await;
    let capture = server.api_json(&format!("/api/captures/{capture_id}")).await;
    let forwards = capture["forwards"].as_array().unwrap();
    assert_eq!(forwards.len(), 1, "{capture}");
    assert_eq!(forwards[0]["state"], "held");
    assert_eq!(forwards[0]["capture_id"].as_i64(), Some(capture_id), "the event links back");
    let event_id = forwards[0]["id"].as_i64().unwrap();
    let held = server.api_json(&format!("/api/endpoints/{id}/held")).await;
    assert_eq!(held[0]["id"].as_i64(), Some(event_id));

    let release = |body: Option<Value>| {
        let req = server.api_request(Method::POST, &format!("/api/events/{event_id}/release"));
        match body {
            Some(b) => req.json(&b),
            None => req,
        }
    };
    let res = release(Some(json!({"url": "ftp://x", "method": "G T"}))).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let message = res.json::<Value>().await.unwrap()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("edit.url:") && message.contains("edit.method:"), "{message}");

    let res = release(Some(json!({"body": "{\"a\":2}"}))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["state"], "pending");
    let event = server.api_json(&format!("/api/events/{event_id}")).await;
    assert_eq!(event["body_base64"], "eyJhIjoyfQ==", "the edited body is what will be sent");
    let capture = server.api_json(&format!("/api/captures/{capture_id}")).await;
    assert_eq!(capture["body_base64"], "eyJhIjoxfQ==", "the capture never changes");
    let res = release(None).send().await.unwrap();
    assert_eq!(res.status(), 409, "it is no longer held");
    let all: Value = server
        .api_request(Method::POST, &format!("/api/endpoints/{id}/release"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all["released"], json!([]), "nothing left to release");
}
