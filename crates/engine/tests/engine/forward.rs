//! Forwarding captures to a local app on a manual clock: an app that is down loses nothing, held
//! events wait for a person, and `wait` answers the sender with the app's reply.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookbench_domain::capture::HeaderView;
use hookbench_domain::endpoint::{Endpoint, EndpointInput};
use hookbench_domain::outbox::{EventFilter, EventState, EventSummary};
use hookbench_domain::replay::RequestEdit;
use hookbench_domain::{Header, ManualClock, Timestamp};
use hookbench_engine::{Engine, EngineConfig, EngineError, InboundRequest, ManualTimer};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const T0: Timestamp = 1_796_000_000_000;

async fn manual_engine(dir: &std::path::Path) -> (Arc<Engine>, ManualTimer) {
    let clock = ManualClock::starting_at(T0);
    let timer = ManualTimer::new(clock.clone());
    let engine = Engine::start_with_timer(EngineConfig::new(dir.to_owned()), Arc::new(clock), Arc::new(timer.clone()))
        .await
        .unwrap();
    (engine, timer)
}

/// One request as the app read it.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A tiny local app on a raw socket: answers each request with `status`, `X-App: yes` and `body`
/// (or never answers when `hang`), and records what it got.
#[derive(Clone)]
struct App {
    received: Arc<Mutex<Vec<Received>>>,
}

impl App {
    fn serve(listener: TcpListener, status: u16, body: &'static str, hang: bool) -> App {
        let app = App { received: Arc::default() };
        let received = app.received.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                let received = received.clone();
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut socket).await else { return };
                    received.lock().unwrap().push(request);
                    if hang {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                    }
                    let head = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nX-App: yes\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(body.as_bytes()).await;
                });
            }
        });
        app
    }

    fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':').map(|(n, v)| (n.to_owned(), v.trim().to_owned())))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Received { method, target, headers, body })
}

/// A loopback port nobody listens on (yet).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

async fn forwarding_endpoint(engine: &Engine, prefix: &str, forward: Value) -> Endpoint {
    let input: EndpointInput =
        serde_json::from_value(json!({"name": prefix, "path_prefix": prefix, "forward": forward})).unwrap();
    engine.create_endpoint(input).await.unwrap()
}

fn request(path: &str, body: &str) -> InboundRequest {
    InboundRequest {
        received_at: T0,
        method: "POST".into(),
        path: path.into(),
        query: Some("a=1".into()),
        url: format!("http://127.0.0.1:9000{path}?a=1"),
        http_version: "HTTP/1.1".into(),
        remote_addr: "127.0.0.1:2".into(),
        headers: vec![
            Header::new("Host", "127.0.0.1:9000"),
            Header::new("Content-Type", "application/json"),
            Header::new("X-Tag", "one"),
            Header::new("Connection", "keep-alive"),
            Header::new("X-Tag", "two"),
            Header::new("Content-Length", body.len().to_string()),
        ],
        content_type: Some("application/json".into()),
        body: Some(bytes::Bytes::copy_from_slice(body.as_bytes())),
        body_size: body.len() as u64,
    }
}

async fn forward_events(engine: &Engine) -> Vec<EventSummary> {
    let mut items = engine.list_events(EventFilter { limit: 500, ..Default::default() }).await.unwrap().items;
    items.reverse();
    items
}

/// Waits (real time, at most 10 s) until no event is due at the clock's time or in flight: every
/// attempt the clock allows has been made and recorded.
async fn settle(engine: &Engine, now: Timestamp) -> Vec<EventSummary> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let events = forward_events(engine).await;
        let busy = events.iter().any(|e| {
            e.state == EventState::Delivering
                || matches!(e.state, EventState::Pending | EventState::Retrying)
                    && e.next_attempt_at.is_some_and(|at| at <= now)
        });
        if !busy {
            return events;
        }
        assert!(tokio::time::Instant::now() < deadline, "the outbox did not settle: {events:#?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn received_exactly(app: &App, n: usize) -> Vec<Received> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.requests().len() < n {
        assert!(tokio::time::Instant::now() < deadline, "the app got {} of {n} requests", app.requests().len());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    app.requests()
}

#[tokio::test]
async fn an_app_down_for_30_seconds_loses_nothing_and_gets_each_capture_exactly_as_received() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, timer) = manual_engine(dir.path()).await;
    let port = free_port();
    forwarding_endpoint(&engine, "/app", json!({"url": format!("http://127.0.0.1:{port}/hooks")})).await;
    let mut captures = Vec::new();
    for n in 0..3 {
        let (summary, response) = engine.receive(request("/app/x", &format!(r#"{{"n":{n}}}"#))).await.unwrap();
        assert_eq!(response.status, 200, "the sender is answered at once; the forward is the outbox's job");
        captures.push(summary.id);
    }
    let events = forward_events(&engine).await;
    assert_eq!(events.len(), 3, "one forward event per capture, stored with it");
    for (event, capture) in events.iter().zip(&captures) {
        assert_eq!(event.capture_id, Some(*capture), "the event links back to its capture");
        assert_eq!(event.origin, hookbench_domain::outbox::EventOrigin::Forward);
    }

    // The app is down for 30 s of clock: every attempt is refused and rescheduled, none is lost.
    let mut now = T0;
    for _ in 0..30 {
        settle(&engine, now).await;
        now += 1_000;
        timer.set_ms(now);
    }
    let waiting = settle(&engine, now).await;
    for e in &waiting {
        assert_eq!(e.state, EventState::Retrying, "still waiting for the app: {e:?}");
        // The target's circuit opens after a few refusals and probes later: deferred, not failed.
        assert!(e.attempt_count >= 2, "retried while the app was down: {e:?}");
    }

    // The app comes up on the same port; the next due attempt of each event delivers it.
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let app = App::serve(listener, 200, r#"{"ok":true}"#, false);
    let up = now;
    for _ in 0..120 {
        let events = settle(&engine, now).await;
        if events.iter().all(|e| e.state == EventState::Delivered) {
            break;
        }
        now += 1_000;
        timer.set_ms(now);
    }
    let events = settle(&engine, now).await;
    assert!(events.iter().all(|e| e.state == EventState::Delivered), "every forward delivered: {events:#?}");
    for e in &events {
        let detail = engine.get_event(e.id).await.unwrap().unwrap();
        let (last, before) = detail.attempts.split_last().unwrap();
        assert!(before.iter().all(|a| a.response.is_none()), "no earlier attempt reached the app");
        assert!(last.started_at >= up, "delivered once the app was up, by a scheduled retry");
        assert!(last.started_at <= up + 60_000, "within the policy's longest delay (1 min) of the app coming up");
    }
    let got = received_exactly(&app, 3).await;
    assert_eq!(got.len(), 3, "each capture reached the app exactly once");
    let mut bodies: Vec<String> = got.iter().map(|r| String::from_utf8(r.body.clone()).unwrap()).collect();
    bodies.sort();
    assert_eq!(bodies, [r#"{"n":0}"#, r#"{"n":1}"#, r#"{"n":2}"#]);
    let first = &got[0];
    assert_eq!((first.method.as_str(), first.target.as_str()), ("POST", "/hooks"), "the URL as given");
    let tags: Vec<&str> =
        first.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("x-tag")).map(|(_, v)| v.as_str()).collect();
    assert_eq!(tags, ["one", "two"], "repeated headers keep their order");
    let host = first.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("host")).map(|(_, v)| v.clone());
    assert_eq!(host, Some(format!("127.0.0.1:{port}")), "hop-by-hop headers are not passed on");
    assert!(
        !first.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("idempotency-key")),
        "an exact forward adds no header of its own"
    );
    let capture = engine.get_capture(captures[0]).await.unwrap().unwrap();
    assert_eq!(capture.forwards.len(), 1, "the capture shows its forward");
    assert_eq!((capture.forwards[0].state, capture.forwards[0].last_status), (EventState::Delivered, Some(200)));
    engine.shutdown().await;
}

#[tokio::test]
async fn held_forwards_wait_until_released_one_edited_or_all() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _timer) = manual_engine(dir.path()).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = App::serve(listener, 200, "{}", false);
    let endpoint = forwarding_endpoint(
        &engine,
        "/held",
        json!({"url": format!("http://127.0.0.1:{port}/in"), "hold": true, "append_path": true}),
    )
    .await;
    let mut captures = Vec::new();
    for n in 0..4 {
        let (summary, response) = engine.receive(request("/held/deep", &format!(r#"{{"n":{n}}}"#))).await.unwrap();
        assert_eq!(response.status, 200);
        captures.push(summary.id);
    }
    let held = engine.held_events(endpoint.id).await.unwrap();
    assert_eq!(held.len(), 4, "all four wait in the held queue");
    assert!(held.iter().all(|e| e.state == EventState::Held && e.next_attempt_at.is_none()), "{held:#?}");
    settle(&engine, T0).await;
    assert!(app.requests().is_empty(), "nothing is sent while held");

    // One, as it was.
    let released = engine.release_event(held[0].id, None).await.unwrap().unwrap();
    assert_eq!((released.state, released.next_attempt_at), (EventState::Pending, Some(T0)), "due now");
    let got = received_exactly(&app, 1).await;
    assert_eq!(got[0].body, br#"{"n":0}"#);
    assert_eq!(got[0].target, "/in/deep?a=1", "append_path: the path below the prefix and the query");

    // One, edited: the capture stays as it was.
    let edit =
        RequestEdit { method: Some("put".into()), body: Some(r#"{"n":1,"edited":true}"#.into()), ..Default::default() };
    engine.release_event(held[1].id, Some(edit)).await.unwrap().unwrap();
    let got = received_exactly(&app, 2).await;
    assert_eq!((got[1].method.as_str(), got[1].body.as_slice()), ("PUT", br#"{"n":1,"edited":true}"#.as_slice()));
    let capture = engine.get_capture(captures[1]).await.unwrap().unwrap();
    assert_eq!(BASE64.decode(capture.body_base64.unwrap()).unwrap(), br#"{"n":1}"#, "the capture never changes");
    let detail = engine.get_event(held[1].id).await.unwrap().unwrap();
    assert!(detail.marks.iter().any(|m| m.kind == "released" && m.text.contains("method, body")), "{:?}", detail.marks);

    // An invalid edit is refused naming the field, and the event stays held.
    let bad = RequestEdit {
        body: Some("{not json".into()),
        headers: Some(vec![HeaderView {
            name: "Content-Type".into(),
            value: "application/json".into(),
            value_base64: None,
        }]),
        ..Default::default()
    };
    match engine.release_event(held[2].id, Some(bad)).await {
        Err(EngineError::Invalid(problems)) => assert!(problems[0].starts_with("edit.body:"), "{problems:?}"),
        other => panic!("an invalid edit is refused: {other:?}"),
    }
    assert_eq!(engine.held_events(endpoint.id).await.unwrap().len(), 2, "still held after a refused edit");

    // All the rest.
    let rest = engine.release_endpoint(endpoint.id).await.unwrap();
    assert_eq!(rest.iter().map(|e| e.id).collect::<Vec<_>>(), [held[2].id, held[3].id], "oldest first");
    let got = received_exactly(&app, 4).await;
    assert_eq!(got.len(), 4);
    assert!(engine.held_events(endpoint.id).await.unwrap().is_empty());
    match engine.release_event(held[0].id, None).await {
        Err(EngineError::Store(hookbench_store::StoreError::Conflict(m))) => assert!(m.contains("not held"), "{m}"),
        other => panic!("releasing an event that is not held is a conflict: {other:?}"),
    }
    engine.shutdown().await;
}

#[tokio::test]
async fn wait_answers_the_sender_with_the_apps_reply_or_504_and_keeps_retrying() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _timer) = manual_engine(dir.path()).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    App::serve(listener, 201, r#"{"from":"app"}"#, false);
    forwarding_endpoint(&engine, "/wait", json!({"url": format!("http://127.0.0.1:{port}/"), "wait": true})).await;
    let (summary, response) = engine.receive(request("/wait", "{}")).await.unwrap();
    assert_eq!(response.status, 201, "the app's status");
    assert_eq!(response.body_json(), json!({"from": "app"}), "the app's body");
    assert!(response.headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("x-app") && v == "yes"), "the app's headers");
    assert!(
        !response.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-length")),
        "hop-by-hop headers are the receiver's to write"
    );
    let capture = engine.get_capture(summary.id).await.unwrap().unwrap();
    assert_eq!(capture.summary.response_status, 201, "the capture records what the sender was told");

    // An app that never answers: 504 after timeout_ms, and the event retries in the background.
    let hanging = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hang_port = hanging.local_addr().unwrap().port();
    let app = App::serve(hanging, 200, "{}", true);
    forwarding_endpoint(
        &engine,
        "/slow",
        json!({"url": format!("http://127.0.0.1:{hang_port}/"), "wait": true, "timeout_ms": 300}),
    )
    .await;
    let (summary, response) = engine.receive(request("/slow", "{}")).await.unwrap();
    assert_eq!(response.status, 504);
    assert_eq!(response.body_json()["code"], "forward_timeout");
    assert_eq!(app.requests().len(), 1, "the app got the request; it just did not answer");
    let event = engine.get_capture(summary.id).await.unwrap().unwrap().forwards.remove(0);
    let event = settle(&engine, T0).await.into_iter().find(|e| e.id == event.id).unwrap();
    assert_eq!(event.state, EventState::Retrying, "the forward keeps retrying: {event:?}");

    // Nobody listening: 502 with the reason.
    forwarding_endpoint(&engine, "/gone", json!({"url": format!("http://127.0.0.1:{}/", free_port()), "wait": true}))
        .await;
    let (_, response) = engine.receive(request("/gone", "{}")).await.unwrap();
    assert_eq!(response.status, 502);
    assert_eq!(response.body_json()["code"], "forward_failed");
    engine.shutdown().await;
}

#[tokio::test]
async fn duplicates_and_requests_a_fault_refused_are_not_forwarded() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _timer) = manual_engine(dir.path()).await;
    let url = format!("http://127.0.0.1:{}/", free_port());
    let input: EndpointInput = serde_json::from_value(json!({
        "name": "d", "path_prefix": "/d", "forward": {"url": url, "hold": true},
        "dedupe": {"source": {"kind": "json_pointer", "pointer": "/id"}, "ttl_secs": 60}
    }))
    .unwrap();
    let endpoint = engine.create_endpoint(input).await.unwrap();
    let (first, _) = engine.receive(request("/d", r#"{"id":"evt_1"}"#)).await.unwrap();
    let (copy, _) = engine.receive(request("/d", r#"{"id":"evt_1"}"#)).await.unwrap();
    assert_eq!(copy.duplicate_of, Some(first.id));
    assert_eq!(engine.get_capture(first.id).await.unwrap().unwrap().forwards.len(), 1);
    assert!(engine.get_capture(copy.id).await.unwrap().unwrap().forwards.is_empty(), "a duplicate is not forwarded");

    engine.apply_preset(endpoint.id, "503-2m").await.unwrap();
    let (refused, response) = engine.receive(request("/d", r#"{"id":"evt_2"}"#)).await.unwrap();
    assert_eq!(response.status, 503);
    assert!(
        engine.get_capture(refused.id).await.unwrap().unwrap().forwards.is_empty(),
        "the sender was told to try again: its retry is what gets forwarded"
    );
    assert_eq!(forward_events(&engine).await.len(), 1);
    engine.shutdown().await;
}
