//! The scheduler's batch claim keeps the sender's rules: a target's concurrency cap and rate limit
//! hold within one batch, and an event that stops being due between the read and the claim is not
//! sent and gives its slot back. The scheduler task is stopped so each test drives `dispatch_due`
//! (or one batch) itself, on a manual clock.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use hookbench_domain::outbox::{AttemptState, DeliverySettings, EventId, EventOrigin, EventState, NewEvent};
use hookbench_domain::ratelimit::RateLimit;
use hookbench_domain::{ManualClock, Timestamp};

use super::scheduler::{Verdict, dispatch_due, start_batch};
use crate::{Engine, EngineConfig, LiveEvent, ManualTimer};

const T0: Timestamp = 1_796_000_000_000;

/// An engine on a manual clock whose scheduler task is stopped: nothing is claimed unless the test asks.
async fn engine(dir: &std::path::Path) -> Arc<Engine> {
    let clock = ManualClock::starting_at(T0);
    let timer = ManualTimer::new(clock.clone());
    let engine =
        Engine::start_with_timer(EngineConfig::new(dir.to_owned()), Arc::new(clock), Arc::new(timer)).await.unwrap();
    engine.outbound.stop();
    engine
}

/// A loopback target that accepts connections and never answers: attempts stay in flight.
async fn silent_url() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hold", listener.local_addr().unwrap());
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (url, holder)
}

/// Stores `n` events due at T0 straight into the outbox (no wake-up), oldest first.
async fn store_events(engine: &Engine, url: &str, settings: &DeliverySettings, n: usize) -> Vec<EventId> {
    let mut ids = Vec::new();
    for i in 0..n {
        let mut event = NewEvent::new(EventOrigin::Send, url.to_owned(), format!("msg_batch_{i}"), settings.clone());
        event.body = br#"{"n":1}"#.to_vec();
        ids.push(engine.store.insert_event(event, T0).await.unwrap().summary.id);
    }
    ids
}

async fn states(engine: &Engine, ids: &[EventId]) -> Vec<(EventState, u32, Option<Timestamp>)> {
    let mut out = Vec::new();
    for id in ids {
        let s = engine.store.get_event(*id).await.unwrap().unwrap().summary;
        out.push((s.state, s.attempt_count, s.next_attempt_at));
    }
    out
}

fn in_flight(engine: &Engine, key: &str) -> u32 {
    engine.outbound.targets.lock().unwrap().get(key).map_or(0, |t| t.in_flight)
}

fn started(live: &mut tokio::sync::broadcast::Receiver<crate::LiveMessage>) -> Vec<EventId> {
    let mut ids = Vec::new();
    while let Ok(msg) = live.try_recv() {
        if let LiveEvent::AttemptStarted(a) = msg.event {
            ids.push(a.event_id);
        }
    }
    ids
}

#[tokio::test]
async fn a_batch_starts_only_what_fits_under_the_targets_cap_and_the_rest_stay_due() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let (url, holder) = silent_url().await;
    let mut settings = DeliverySettings { timeout_ms: 60_000, ..Default::default() };
    settings.limits.max_in_flight = Some(2);
    let ids = store_events(&engine, &url, &settings, 5).await;
    let key = engine.store.get_event(ids[0]).await.unwrap().unwrap().summary.target_key;
    let mut live = engine.subscribe();

    dispatch_due(&engine, T0).await.unwrap();
    assert_eq!(started(&mut live), ids[..2], "the two earliest start, in due order");
    let after = states(&engine, &ids).await;
    assert!(after[..2].iter().all(|s| *s == (EventState::Delivering, 1, None)), "{after:?}");
    assert!(after[2..].iter().all(|s| *s == (EventState::Pending, 0, Some(T0))), "still due, untouched: {after:?}");
    assert_eq!(in_flight(&engine, &key), 2);

    // Again while the target is full: its waiting events are not claimed (nor read past).
    dispatch_due(&engine, T0).await.unwrap();
    assert!(started(&mut live).is_empty(), "a full target starts nothing");
    assert_eq!(states(&engine, &ids).await, after);
    let (attempts, _) = engine.store.event_timeline(ids[0]).await.unwrap();
    assert_eq!(attempts[0].state, AttemptState::InFlight, "claimed with its in-flight attempt row");
    holder.abort();
    engine.shutdown().await;
}

#[tokio::test]
async fn a_rate_limited_target_starts_its_burst_and_defers_the_rest_of_the_batch_one_slot_apart() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let (url, holder) = silent_url().await;
    let mut settings = DeliverySettings { timeout_ms: 60_000, ..Default::default() };
    settings.limits.rate = Some(RateLimit { per_second: 2.0, burst: 1 });
    let ids = store_events(&engine, &url, &settings, 4).await;
    let mut live = engine.subscribe();

    dispatch_due(&engine, T0).await.unwrap();
    assert_eq!(started(&mut live), ids[..1], "the burst of one starts");
    let after = states(&engine, &ids).await;
    assert_eq!(after[0].0, EventState::Delivering);
    let moved: Vec<_> = after[1..].iter().map(|s| (s.0, s.1, s.2.map(|t| t - T0))).collect();
    assert_eq!(
        moved,
        [
            (EventState::Pending, 0, Some(500)),
            (EventState::Pending, 0, Some(1_000)),
            (EventState::Pending, 0, Some(1_500))
        ],
        "deferred to free slots 500 ms apart (2/s), not attempted"
    );
    holder.abort();
    engine.shutdown().await;
}

#[tokio::test]
async fn an_event_cancelled_between_the_read_and_the_claim_is_not_sent_and_gives_its_slot_back() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let (url, holder) = silent_url().await;
    let mut settings = DeliverySettings { timeout_ms: 60_000, ..Default::default() };
    settings.limits.max_in_flight = Some(5);
    let ids = store_events(&engine, &url, &settings, 3).await;
    let key = engine.store.get_event(ids[0]).await.unwrap().unwrap().summary.target_key;
    let mut live = engine.subscribe();

    // The scheduler's batch, step by step: read, admit, then someone cancels, then the claim.
    let due = engine.store.due_head(T0, Default::default(), 128, 32).await.unwrap().events;
    assert_eq!(due.iter().map(|e| e.id).collect::<Vec<_>>(), ids);
    for event in &due {
        assert!(matches!(engine.admission(event, T0), Verdict::Start));
    }
    assert_eq!(in_flight(&engine, &key), 3, "admission counts each one in flight");
    engine.cancel_event(ids[1]).await.unwrap();
    start_batch(&engine, due, Vec::new(), T0).await.unwrap();

    assert_eq!(started(&mut live), [ids[0], ids[2]], "the cancelled one is not sent");
    let (attempts, _) = engine.store.event_timeline(ids[1]).await.unwrap();
    assert!(attempts.is_empty(), "no attempt row: its request never left");
    assert_eq!(states(&engine, &ids).await[1].0, EventState::Cancelled);
    assert_eq!(in_flight(&engine, &key), 2, "its slot went back to the target");
    holder.abort();
    engine.shutdown().await;
}
