//! Issues 5 and 8, crash safety of the outbox: 1,000 events to a flaky target, the sender killed
//! with SIGKILL twice during delivery and restarted each time; in the end every event is
//! delivered, none is stuck `delivering`, the attempts cut short are recorded as `interrupted` and
//! retried, and the target saw every event id at least once (duplicates counted). Also: an attempt
//! that ends while another process holds the database locked is recorded once the lock goes.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hookbench_scenarios::{Serve, integrity_check, now_ms, seed};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use tokio::sync::watch;

const EVENTS: usize = 1_000;
/// The target fails this share of the first attempts it sees for an event…
const FAIL_PCT: u64 = 30;
/// …and never fails the arrival with this number or later (so every event can get through).
const FAIL_NO_LATER_THAN: u32 = 6;
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// One request as the target saw it.
struct Arrival {
    event_id: String,
    status: u16,
}

/// A flaky webhook target: records every request, fails about 30 % with 500 (decided by a hash
/// of the seed, the event id and how many times that id came before), answers after a short delay.
struct Target {
    seed: u64,
    arrivals: Mutex<Vec<Arrival>>,
    per_event: Mutex<HashMap<String, u32>>,
    /// Requests wait here until the test opens the gate (all events stored first).
    gate: watch::Receiver<bool>,
}

impl Target {
    fn delivered(&self) -> usize {
        let arrivals = self.arrivals.lock().unwrap();
        arrivals.iter().filter(|a| a.status == 200).map(|a| a.event_id.as_str()).collect::<HashSet<_>>().len()
    }
}

fn hash(parts: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

async fn target_handler(State(target): State<Arc<Target>>, headers: HeaderMap) -> StatusCode {
    let Some(event_id) = headers.get("webhook-id").and_then(|v| v.to_str().ok()).map(str::to_owned) else {
        return StatusCode::BAD_REQUEST;
    };
    let nth = {
        let mut per_event = target.per_event.lock().unwrap();
        let n = per_event.entry(event_id.clone()).or_insert(0);
        *n += 1;
        *n
    };
    let fail = nth < FAIL_NO_LATER_THAN && hash((target.seed, &event_id, nth)) % 100 < FAIL_PCT;
    let status = if fail { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK };
    target.arrivals.lock().unwrap().push(Arrival { event_id: event_id.clone(), status: status.as_u16() });
    let mut gate = target.gate.clone();
    let _ = gate.wait_for(|open| *open).await;
    // A short think time keeps attempts in flight, so a kill cuts some short.
    tokio::time::sleep(Duration::from_millis(5 + hash((target.seed, &event_id, nth, "delay")) % 30)).await;
    status
}

async fn start_target(seed: u64, gate: watch::Receiver<bool>) -> (String, Arc<Target>) {
    let target = Arc::new(Target { seed, arrivals: Mutex::default(), per_event: Mutex::default(), gate });
    let app = axum::Router::new().fallback(target_handler).with_state(target.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, target)
}

/// Event states and how many, straight from the database.
fn states(serve: &Serve) -> HashMap<String, usize> {
    let db = serve.db();
    let mut stmt = db.prepare("SELECT state, count(*) FROM events GROUP BY state").unwrap();
    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Waits until the target has acknowledged `count` distinct events (the sender is still running).
async fn until_delivered(target: &Target, count: usize, serve: &mut Serve) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while target.delivered() < count {
        assert!(serve.is_running(), "the sender died on its own: {}", serve.log());
        assert!(Instant::now() < deadline, "stalled at {} delivered, waiting for {count}", target.delivered());
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_is_delivered_after_two_sigkills_during_delivery() {
    let seed = seed("outbox");
    let mut rng = StdRng::seed_from_u64(seed);
    let first_kill = rng.random_range(100..400);
    let second_kill = rng.random_range(first_kill + 200..850);
    println!(
        "[outbox] {EVENTS} events, target fails {FAIL_PCT} %; SIGKILL after {first_kill} and {second_kill} delivered"
    );

    let (open_gate, gate) = watch::channel(false);
    let (target_url, target) = start_target(seed, gate).await;
    let dir = tempfile::tempdir().unwrap();
    let mut serve = Serve::start(dir.path(), "outbox-token");

    // A fast policy: 20 attempts, 5 s doubling to at most 1 min, run 100× faster than real time.
    let destination = json!({
        "name": "flaky",
        "url": target_url,
        "signing": {"scheme": "standard-webhooks", "secrets": [SECRET]},
        "timeout_ms": 10_000,
        "retry": {"schedule": {"kind": "exponential", "initial": "5s", "factor": 2, "cap": "1m", "max_attempts": 20}},
        "breaker": {"failure_threshold": 5, "cool_down": "200ms", "max_cool_down": "1s"},
        "limits": {"max_in_flight": 16},
        "time_scale": 100
    });
    let (status, created) = serve.api_post("/api/destinations", &destination).await;
    assert_eq!(status, 201, "destination created: {created}");
    let destination_id = created["id"].as_i64().unwrap();

    // Every event stored (201) before the target answers anything.
    let mut stored: Vec<(i64, String)> = Vec::with_capacity(EVENTS);
    let started = Instant::now();
    for chunk in (0..EVENTS).collect::<Vec<_>>().chunks(8) {
        let posts = chunk.iter().map(|n| {
            let body =
                json!({"destination": destination_id, "body": json!({"type": "scenario.outbox", "n": n}).to_string()});
            let serve = &serve;
            async move { serve.api_post("/api/events", &body).await }
        });
        for (status, event) in futures_util::future::join_all(posts).await {
            assert_eq!(status, 201, "event stored: {event}");
            stored.push((event["id"].as_i64().unwrap(), event["idempotency_key"].as_str().unwrap().to_owned()));
        }
    }
    println!("[outbox] {EVENTS} events stored in {:.1} s", started.elapsed().as_secs_f64());
    open_gate.send(true).unwrap();

    let mut kills = Vec::new();
    for (round, at) in [first_kill, second_kill].into_iter().enumerate() {
        until_delivered(&target, at, &mut serve).await;
        // Kill while the store says attempts are in flight, so the kill cuts some short.
        let delivering = loop {
            let delivering = states(&serve).get("delivering").copied().unwrap_or(0);
            if delivering > 0 {
                break delivering;
            }
            assert!(target.delivered() < EVENTS, "everything was delivered before kill {}", round + 1);
        };
        let killed_at = now_ms();
        serve.kill9();
        println!(
            "[outbox] kill {}: SIGKILL at {} delivered ({} events delivering by the store)",
            round + 1,
            target.delivered(),
            delivering
        );
        kills.push(killed_at);
        serve.restart();
    }

    // Wait until every event is final.
    let deadline = Instant::now() + Duration::from_secs(300);
    let final_states = loop {
        let states = states(&serve);
        let open: usize = ["pending", "delivering", "retrying"].iter().filter_map(|s| states.get(*s)).sum();
        if open == 0 {
            break states;
        }
        assert!(serve.is_running(), "the sender died on its own: {}", serve.log());
        assert!(Instant::now() < deadline, "events still open after 5 minutes: {states:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let elapsed = started.elapsed();

    let db = serve.db();
    assert_eq!(integrity_check(&db), "ok");
    let in_db: Vec<(i64, String, String)> = db
        .prepare("SELECT id, idempotency_key, state FROM events ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let expected: HashSet<(i64, String)> = stored.iter().cloned().collect();
    let present: HashSet<(i64, String)> = in_db.iter().map(|(id, key, _)| (*id, key.clone())).collect();
    assert_eq!(present, expected, "exactly the {EVENTS} stored events are in the outbox");
    assert_eq!(final_states.get("delivered").copied(), Some(EVENTS), "every event delivered: {final_states:?}");

    let in_flight: i64 =
        db.query_row("SELECT count(*) FROM attempts WHERE state = 'in_flight'", [], |r| r.get(0)).unwrap();
    assert_eq!(in_flight, 0, "no attempt left in flight");
    // Each interrupted attempt is followed by a later one of the same event (it was retried).
    let interrupted: Vec<(i64, i64, i64)> = db
        .prepare(
            "SELECT a.event_id, a.number, a.started_at FROM attempts a WHERE a.state = 'interrupted'
             AND a.error_class = 'interrupted'",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let all_interrupted: i64 =
        db.query_row("SELECT count(*) FROM attempts WHERE state = 'interrupted'", [], |r| r.get(0)).unwrap();
    assert_eq!(all_interrupted as usize, interrupted.len(), "an interrupted attempt says so in its error class");
    for (event, number, _) in &interrupted {
        let later: i64 = db
            .query_row("SELECT count(*) FROM attempts WHERE event_id = ?1 AND number > ?2", [event, number], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(later > 0, "event {event}: attempt {number} was interrupted and never retried");
    }
    let per_kill: Vec<usize> = vec![
        interrupted.iter().filter(|(_, _, at)| *at <= kills[0]).count(),
        interrupted.iter().filter(|(_, _, at)| *at > kills[0] && *at <= kills[1]).count(),
    ];
    assert!(per_kill.iter().all(|n| *n > 0), "each kill cut attempts short: {per_kill:?}");
    let attempts: i64 = db.query_row("SELECT count(*) FROM attempts", [], |r| r.get(0)).unwrap();

    // At the target: every event id arrived and was answered 2xx at least once.
    let arrivals = target.arrivals.lock().unwrap();
    let mut ok_per_event: HashMap<&str, usize> = HashMap::new();
    for a in arrivals.iter().filter(|a| a.status == 200) {
        *ok_per_event.entry(a.event_id.as_str()).or_default() += 1;
    }
    let missing: Vec<&str> =
        stored.iter().map(|(_, key)| key.as_str()).filter(|k| !ok_per_event.contains_key(k)).collect();
    assert!(missing.is_empty(), "never reached the target with a 2xx: {missing:?}");
    let duplicates: usize = ok_per_event.values().map(|n| n - 1).sum();
    let events_with_duplicates = ok_per_event.values().filter(|n| **n > 1).count();
    println!(
        "[outbox] {EVENTS} events, 2 kills survived, all delivered in {:.1} s: {} attempts recorded ({} interrupted: {:?} per kill), \
         {} requests at the target, {} duplicate deliveries over {} events (at-least-once), lost 0",
        elapsed.as_secs_f64(),
        attempts,
        interrupted.len(),
        per_kill,
        arrivals.len(),
        duplicates,
        events_with_duplicates
    );
}

/// An attempt whose end cannot be recorded at once (the database is locked for longer than the busy
/// timeout) is recorded once the lock goes: a running engine finishes the event without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_whose_attempts_end_while_the_database_is_locked_still_finish_without_a_restart() {
    let (open_gate, gate) = watch::channel(false);
    let (target_url, target) = start_target(7, gate).await;
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path(), "outbox-token");
    let destination = json!({
        "name": "flaky", "url": target_url, "signing": {"secrets": [SECRET]},
        "retry": {"schedule": {"kind": "exponential", "initial": "5s", "factor": 2, "cap": "1m", "max_attempts": 20}},
        "limits": {"max_in_flight": 16}, "time_scale": 100
    });
    let (status, created) = serve.api_post("/api/destinations", &destination).await;
    assert_eq!(status, 201, "{created}");
    for n in 0..50 {
        let (status, event) = serve.api_post("/api/events", &json!({"destination": 1, "body": format!("{n}")})).await;
        assert_eq!(status, 201, "{event}");
    }
    // Attempts are in flight, held at the target; another process locks the database (longer
    // than the 5 s busy timeout), then the target answers them.
    let lock = rusqlite::Connection::open(serve.data.join("hookbench.db")).unwrap();
    lock.execute_batch("BEGIN EXCLUSIVE").unwrap();
    open_gate.send(true).unwrap();
    while target.arrivals.lock().unwrap().len() < 16 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(7)).await;
    lock.execute_batch("ROLLBACK").unwrap();
    drop(lock);

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let states = states(&serve);
        let open: usize = ["pending", "delivering", "retrying"].iter().filter_map(|s| states.get(*s)).sum();
        if open == 0 {
            assert_eq!(states.get("delivered").copied(), Some(50), "{states:?}");
            break;
        }
        assert!(Instant::now() < deadline, "events still open a minute after the lock was released: {states:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
