//! The scheduler on a manual clock: days of schedule in milliseconds, and nothing to do costs nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hookbench_domain::outbox::{DestinationInput, DestinationRef, EventFilter, EventInput, EventState, PolicyChoice};
use hookbench_domain::retry::{DurationSpec, RetryPolicy, Schedule};
use hookbench_domain::{ManualClock, Timestamp};
use hookbench_engine::{Engine, EngineConfig, LiveEvent, ManualTimer};
use tokio::sync::broadcast::Receiver;

const T0: Timestamp = 1_796_000_000_000;
const HOUR: i64 = 3_600_000;

async fn manual_engine(dir: &std::path::Path) -> (Arc<Engine>, ManualTimer) {
    let clock = ManualClock::starting_at(T0);
    let timer = ManualTimer::new(clock.clone());
    let engine = Engine::start_with_timer(EngineConfig::new(dir.to_owned()), Arc::new(clock), Arc::new(timer.clone()))
        .await
        .unwrap();
    (engine, timer)
}

/// A loopback URL nobody listens on: every attempt is refused at once.
fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/hook")
}

fn without_jitter(mut policy: RetryPolicy) -> Option<PolicyChoice> {
    policy.jitter_pct = 0;
    Some(PolicyChoice::Policy(Box::new(policy)))
}

/// Waits (in real time, at most 10 s) for `n` attempts to finish, and returns them.
async fn finished_attempts(live: &mut Receiver<hookbench_engine::LiveMessage>, n: usize) -> Vec<(i64, u32)> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen.len() < n {
        let msg = tokio::time::timeout_at(deadline, live.recv()).await.expect("attempts finish within 10 s").unwrap();
        if let LiveEvent::AttemptFinished(a) = msg.event {
            seen.push((a.event_id, a.number));
        }
    }
    seen
}

#[tokio::test]
async fn a_seven_attempt_three_day_schedule_runs_in_milliseconds_with_exact_due_times() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, timer) = manual_engine(dir.path()).await;
    let mut live = engine.subscribe();
    let started = Instant::now();
    let input = EventInput {
        url: Some(refused_url()),
        body: Some(r#"{"type":"invoice.paid"}"#.into()),
        policy: without_jitter(RetryPolicy::preset("stripe-like").unwrap()),
        ..Default::default()
    };
    let id = engine.send_event(input).await.unwrap().summary.id;
    let offsets = [0, 1, 3, 7, 15, 31, 55].map(|h| T0 + h * HOUR);
    for (i, due) in offsets.iter().enumerate() {
        timer.set_ms(*due);
        finished_attempts(&mut live, 1).await;
        let detail = engine.get_event(id).await.unwrap().unwrap();
        let attempt = detail.attempts.last().unwrap();
        assert_eq!(attempt.number as usize, i + 1);
        assert_eq!(attempt.started_at, *due, "attempt {} starts exactly at its due time", i + 1);
        let expected_next = offsets.get(i + 1).copied();
        assert_eq!(detail.event.summary.next_attempt_at, expected_next, "after attempt {}", i + 1);
    }
    let detail = engine.get_event(id).await.unwrap().unwrap();
    assert_eq!(detail.event.summary.state, EventState::Dead, "seven attempts, then a dead letter");
    let reason = detail.event.summary.dead_reason.unwrap();
    assert!(reason.contains("max total duration 3d"), "the reason names the bound: {reason}");
    let planned: Vec<Timestamp> = detail.plan.iter().map(|p| p.at).collect();
    assert_eq!(planned, offsets, "the plan shown for the timeline is the schedule that ran");
    assert!(started.elapsed() < Duration::from_secs(5), "three days took {:?} of real time", started.elapsed());
    engine.shutdown().await;
}

#[tokio::test]
async fn many_waiting_events_cost_no_wakeups_until_the_next_is_due() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, timer) = manual_engine(dir.path()).await;
    let mut live = engine.subscribe();
    let policy =
        RetryPolicy::with_schedule(Schedule::Delays { list: vec![DurationSpec::ZERO, DurationSpec::from_hours(1)] });
    // A breaker that never opens, so every event makes its attempts instead of being deferred.
    let destination: DestinationInput = serde_json::from_value(serde_json::json!({
        "name": "nowhere", "url": refused_url(), "breaker": {"failure_threshold": 100000}
    }))
    .unwrap();
    let destination = engine.create_destination(destination).await.unwrap();
    let count = 200;
    for n in 0..count {
        let input = EventInput {
            destination: Some(DestinationRef::Id(destination.id)),
            body: Some(format!(r#"{{"n":{n}}}"#)),
            policy: without_jitter(policy.clone()),
            ..Default::default()
        };
        engine.send_event(input).await.unwrap();
    }
    finished_attempts(&mut live, count).await;
    // Let the last wake-up (from the last finished attempt) run before counting.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asleep = engine.scheduler_wakeups();
    for _ in 0..59 {
        timer.advance_ms(60_000);
        tokio::task::yield_now().await;
    }
    timer.advance_ms(60_000 - 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(engine.scheduler_wakeups(), asleep, "an hour of clock with {count} waiting events and no wake-up");
    timer.advance_ms(1);
    finished_attempts(&mut live, count).await;
    assert!(engine.scheduler_wakeups() > asleep, "the due time wakes it");
    let dead = engine.dead_letters(EventFilter { limit: 500, ..Default::default() }).await;
    assert_eq!(dead.unwrap().items.len(), count, "every event had its second and last attempt");
    engine.shutdown().await;
}

fn destination(name: &str, url: &str, extra: serde_json::Value) -> DestinationInput {
    let mut doc = serde_json::json!({"name": name, "url": url});
    for (k, v) in extra.as_object().unwrap() {
        doc[k] = v.clone();
    }
    serde_json::from_value(doc).unwrap()
}

#[tokio::test]
async fn an_events_life_is_published_in_order_for_live_timelines() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _timer) = manual_engine(dir.path()).await;
    let mut live = engine.subscribe();
    let input =
        EventInput { url: Some(refused_url()), policy: Some(PolicyChoice::Id("none".into())), ..Default::default() };
    engine.send_event(input).await.unwrap();
    let mut names = Vec::new();
    while names.last() != Some(&"attempt.finished") {
        let msg = tokio::time::timeout(Duration::from_secs(10), live.recv()).await.unwrap().unwrap();
        names.push(msg.event.name());
    }
    assert_eq!(
        names,
        ["event.created", "event.updated", "attempt.started", "event.updated", "attempt.finished"],
        "stored, claimed, started, decided, finished"
    );
    let dead = engine.dead_letters(Default::default()).await.unwrap();
    let last_error = dead.items[0].last_error.clone().unwrap_or_default();
    assert!(last_error.contains("Connection refused"), "one attempt, refused: a dead letter: {last_error}");
    engine.shutdown().await;
}

#[tokio::test]
async fn a_rate_limit_spreads_a_waiting_crowd_one_slot_apart() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, timer) = manual_engine(dir.path()).await;
    let mut live = engine.subscribe();
    let extra = serde_json::json!({"limits": {"rate": {"per_second": 1, "burst": 1}}, "retry": "none",
                                   "breaker": {"failure_threshold": 1000}});
    let d = engine.create_destination(destination("slow", &refused_url(), extra)).await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..4 {
        let input = EventInput { destination: Some(DestinationRef::Id(d.id)), ..Default::default() };
        ids.push(engine.send_event(input).await.unwrap().summary.id);
    }
    finished_attempts(&mut live, 1).await;
    for step in 1..4 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        timer.advance_ms(1_000);
        finished_attempts(&mut live, 1).await;
        assert_eq!(
            engine
                .list_events(EventFilter { limit: 50, ..Default::default() })
                .await
                .unwrap()
                .items
                .iter()
                .filter(|e| e.attempt_count > 0)
                .count(),
            step + 1
        );
    }
    let mut starts = Vec::new();
    for id in ids {
        starts.push(engine.get_event(id).await.unwrap().unwrap().attempts[0].started_at - T0);
    }
    starts.sort();
    assert_eq!(starts, [0, 1_000, 2_000, 3_000], "one attempt per second, not all at once");
    engine.shutdown().await;
}

#[tokio::test]
async fn at_most_max_in_flight_attempts_run_at_once_and_a_silent_target_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _timer) = manual_engine(dir.path()).await;
    let mut live = engine.subscribe();
    // Accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hold", silent.local_addr().unwrap());
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let extra = serde_json::json!({"limits": {"max_in_flight": 1}, "timeout_ms": 150, "retry": "none",
                                   "breaker": {"failure_threshold": 1000}});
    let d = engine.create_destination(destination("one-at-a-time", &url, extra)).await.unwrap();
    for _ in 0..3 {
        let input = EventInput { destination: Some(DestinationRef::Id(d.id)), ..Default::default() };
        engine.send_event(input).await.unwrap();
    }
    let mut sequence = Vec::new();
    while sequence.iter().filter(|s| **s == "finished").count() < 3 {
        let msg = tokio::time::timeout(Duration::from_secs(10), live.recv()).await.unwrap().unwrap();
        match msg.event {
            LiveEvent::AttemptStarted(_) => sequence.push("started"),
            LiveEvent::AttemptFinished(a) => {
                assert_eq!(a.error_class, Some(hookbench_domain::retry::ErrorClass::Timeout), "{a:?}");
                sequence.push("finished");
            }
            _ => {}
        }
    }
    assert_eq!(sequence, ["started", "finished", "started", "finished", "started", "finished"], "never two at once");
    holder.abort();
    engine.shutdown().await;
}

#[tokio::test]
async fn an_open_circuit_stays_open_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let url = refused_url();
    let extra = serde_json::json!({"breaker": {"failure_threshold": 1, "cool_down": "1h", "max_cool_down": "1h"},
                                   "retry": {"schedule": {"kind": "delays", "list": ["0", "1m"]}, "jitter_pct": 0}});
    {
        let (engine, _timer) = manual_engine(dir.path()).await;
        let mut live = engine.subscribe();
        engine.create_destination(destination("down", &url, extra)).await.unwrap();
        let input = EventInput { destination: Some(DestinationRef::Name("down".into())), ..Default::default() };
        let id = engine.send_event(input).await.unwrap().summary.id;
        finished_attempts(&mut live, 1).await;
        let detail = engine.get_event(id).await.unwrap().unwrap();
        assert_eq!(detail.attempts[0].breaker.as_ref().map(|t| t.describe().starts_with("circuit opened")), Some(true));
        engine.shutdown().await;
    }
    let (engine, timer) = manual_engine(dir.path()).await;
    let mut live = engine.subscribe();
    timer.advance_ms(2 * 60_000);
    let input = EventInput { destination: Some(DestinationRef::Name("down".into())), ..Default::default() };
    let id = engine.send_event(input).await.unwrap().summary.id;
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), live.recv()).await.unwrap().unwrap();
        match msg.event {
            LiveEvent::EventUpdated(e) if e.id == id => break,
            LiveEvent::AttemptStarted(a) => panic!("the open circuit let attempt {a:?} through after the restart"),
            _ => {}
        }
    }
    let detail = engine.get_event(id).await.unwrap().unwrap();
    assert!(detail.attempts.is_empty(), "deferred, not attempted");
    assert_eq!(detail.marks[0].kind, "breaker_deferred");
    assert_eq!(detail.event.summary.next_attempt_at, Some(T0 + HOUR), "until the saved circuit's probe time");
    engine.shutdown().await;
}

#[tokio::test]
async fn the_global_time_scale_runs_retries_faster_moves_waiting_ones_and_survives_a_restart() {
    use hookbench_domain::retry::TimeScale;
    use hookbench_domain::settings::SettingsPatch;
    let dir = tempfile::tempdir().unwrap();
    let (engine, timer) = manual_engine(dir.path()).await;
    let mut live = engine.subscribe();
    let scale = |f: f64| SettingsPatch { time_scale: Some(TimeScale::new(f).unwrap()), ..Default::default() };
    engine.update_settings(scale(60.0)).await.unwrap();
    let policy = RetryPolicy::with_schedule(Schedule::Delays {
        list: vec![DurationSpec::ZERO, DurationSpec::from_hours(1), DurationSpec::from_hours(1)],
    });
    let send = |own: Option<f64>| EventInput {
        url: Some(refused_url()),
        body: Some("{}".into()),
        policy: without_jitter(policy.clone()),
        time_scale: own.map(|f| TimeScale::new(f).unwrap()),
        ..Default::default()
    };
    let global = engine.send_event(send(None)).await.unwrap().summary.id;
    let own = engine.send_event(send(Some(10.0))).await.unwrap().summary.id;
    finished_attempts(&mut live, 2).await;
    let detail = engine.get_event(global).await.unwrap().unwrap();
    assert_eq!(detail.event.summary.next_attempt_at, Some(T0 + HOUR / 60), "an hour at 60× is a minute of clock");
    assert_eq!(detail.time_scale, TimeScale::new(60.0).unwrap());
    assert_eq!(detail.plan[1].at, T0 + HOUR / 60, "the plan is drawn at the scale that runs");
    let detail = engine.get_event(own).await.unwrap().unwrap();
    assert_eq!(detail.event.summary.next_attempt_at, Some(T0 + HOUR / 10), "an event's own scale wins");

    // 60× → 3600×: the minute still to wait becomes a second; the event with its own scale stays.
    timer.set_ms(T0 + 30_000);
    engine.update_settings(scale(3600.0)).await.unwrap();
    let detail = engine.get_event(global).await.unwrap().unwrap();
    assert_eq!(detail.event.summary.next_attempt_at, Some(T0 + 30_000 + 500), "30 s left at 60× is 0.5 s at 3600×");
    assert!(detail.marks.iter().any(|m| m.kind == "rescaled" && m.text.contains("60× → 3600×")), "{:?}", detail.marks);
    let detail = engine.get_event(own).await.unwrap().unwrap();
    assert_eq!(detail.event.summary.next_attempt_at, Some(T0 + HOUR / 10));
    timer.set_ms(T0 + 30_500);
    finished_attempts(&mut live, 1).await;
    let detail = engine.get_event(global).await.unwrap().unwrap();
    assert_eq!(detail.attempts.len(), 2);
    assert_eq!(detail.event.summary.next_attempt_at, Some(T0 + 30_500 + 1_000), "the next hour runs at 3600×");

    assert!(engine.update_settings(scale(7200.0)).await.is_err(), "more than 3600× is refused");
    engine.shutdown().await;
    let (engine, _timer) = manual_engine(dir.path()).await;
    assert_eq!(engine.settings().time_scale, TimeScale::new(3600.0).unwrap(), "the setting is stored");
    engine.shutdown().await;
}

#[tokio::test]
async fn a_dead_letter_fires_an_alert_that_links_to_it_and_clears_when_it_leaves_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, timer) = manual_engine(dir.path()).await;
    let mut live = engine.subscribe();
    let destination: DestinationInput =
        serde_json::from_value(serde_json::json!({"name": "billing", "url": refused_url(), "retry": "none"})).unwrap();
    let destination = engine.create_destination(destination).await.unwrap();
    engine.evaluate_alerts().await.unwrap();
    assert!(engine.alerts().active.is_empty(), "nothing dead, nothing fires");
    let input = EventInput {
        destination: Some(DestinationRef::Id(destination.id)),
        body: Some("{}".into()),
        ..Default::default()
    };
    engine.send_event(input).await.unwrap();
    finished_attempts(&mut live, 1).await;
    engine.evaluate_alerts().await.unwrap();
    let view = engine.alerts();
    assert_eq!(view.active.len(), 1, "{:?}", view.active);
    let alert = &view.active[0];
    assert_eq!((alert.kind.as_str(), alert.value, alert.since), ("dead_letters", 1.0, T0));
    assert_eq!(alert.message, "1 dead letter for billing in the last 15m (more than 0)");
    assert_eq!((alert.link.view.as_str(), alert.link.destination), ("outbox", Some(destination.id)));
    let fired = loop {
        if let LiveEvent::AlertFired(a) = live.recv().await.unwrap().event {
            break a;
        }
    };
    assert_eq!(fired.id, alert.id);
    // Checked again while it holds: no second alert.fired, the same `since`.
    timer.advance_ms(60_000);
    engine.evaluate_alerts().await.unwrap();
    assert_eq!(engine.alerts().active[0].since, T0);
    // The window moves past the dead letter: it clears.
    timer.advance_ms(15 * 60_000);
    engine.evaluate_alerts().await.unwrap();
    let view = engine.alerts();
    assert!(view.active.is_empty());
    assert_eq!(view.recent[0].cleared_at, Some(T0 + 16 * 60_000));
    let cleared = loop {
        match live.recv().await.unwrap().event {
            LiveEvent::AlertCleared(a) => break a,
            LiveEvent::AlertFired(a) => panic!("fired again: {a:?}"),
            _ => {}
        }
    };
    assert_eq!(cleared.id, alert.id);
    // Rules: a higher threshold keeps a second dead letter quiet; a typo is refused.
    engine.update_alert_rules(serde_json::json!({"dead_letters_max": 1})).await.unwrap();
    assert!(engine.update_alert_rules(serde_json::json!({"window": "2d"})).await.is_err());
    engine.shutdown().await;
    let (engine, _timer) = manual_engine(dir.path()).await;
    assert_eq!(engine.alerts().rules.dead_letters_max, 1, "the rules are stored");
    engine.shutdown().await;
}
