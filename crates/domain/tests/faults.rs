//! Fault plans: each kind's decision, counting, seeded probability, windows, presets, composition.

use hookbench_domain::dedupe::KeySource;
use hookbench_domain::fault::{
    FailPer, FaultAction, FaultDecision, FaultKind, FaultPlan, FaultRequest, FaultState, MAX_HOLD_MS, OutageWindow,
    PlanStatus, RetryAfter, Trickle, active_plans, decide, next_change, presets, refusing, validate_plans,
};
use hookbench_domain::response::{Delay, RequestView, ResponseHeader};
use hookbench_domain::{Clock, Header, ManualClock};

/// Sun, 06 Nov 1994 08:49:37 GMT, the example date of RFC 9110, plus 250 ms.
const T0: i64 = 784_111_777_250;

fn plan(id: &str, fault: FaultKind) -> FaultPlan {
    FaultPlan { id: id.into(), name: id.into(), enabled: true, activated_at: T0, fault }
}

fn status(code: u16) -> FaultKind {
    FaultKind::status(code, "injected")
}

/// One decision for a POST with the given idempotency key (header `Idempotency-Key` too).
fn decide_at(plans: &[FaultPlan], state: &mut FaultState, key: Option<&str>, now: i64) -> FaultDecision {
    let headers: Vec<Header> = key.map(|k| Header::new("Idempotency-Key", k)).into_iter().collect();
    let request = RequestView { method: "POST", path: "/hook", query: None, headers: &headers, body: b"{}" };
    decide(plans, state, &FaultRequest { request, idempotency_key: key }, now)
}

fn status_of(decision: &FaultDecision) -> Option<u16> {
    match decision.action {
        FaultAction::Respond { status, .. } => Some(status),
        _ => None,
    }
}

fn passes(decision: &FaultDecision) -> bool {
    matches!(decision.action, FaultAction::Pass { .. })
}

#[test]
fn no_plans_let_every_request_pass_untouched() {
    let decision = decide_at(&[], &mut FaultState::default(), None, T0);
    assert_eq!(decision.action, FaultAction::Pass { delay_ms: 0, trickle: None }, "no plan, no fault");
    assert!(decision.applied.is_empty(), "nothing is recorded on the capture");
}

#[test]
fn a_status_fault_answers_with_its_status_headers_and_body() {
    let plans = [plan("boom", status(502))];
    let decision = decide_at(&plans, &mut FaultState::default(), None, T0);
    match &decision.action {
        FaultAction::Respond { status, headers, body, delay_ms, trickle } => {
            assert_eq!((*status, body.as_str(), *delay_ms, *trickle), (502, r#"{"error":"injected"}"#, 0, None));
            assert_eq!(headers, &[ResponseHeader::new("Content-Type", "application/json")], "the plan's headers are sent");
        }
        other => panic!("a status fault answers, got {other:?}"),
    }
    assert_eq!(decision.applied[0].description, "502 from plan 'boom'", "the capture says what was told and by which plan");
    assert_eq!(decision.applied[0].kind, "status");
}

#[test]
fn retry_after_is_written_as_seconds_or_as_an_imf_fixdate_from_now() {
    assert_eq!(RetryAfter::Seconds { secs: 30 }.header_value(T0), "30");
    assert_eq!(RetryAfter::HttpDate { in_secs: 0 }.header_value(T0), "Sun, 06 Nov 1994 08:49:37 GMT", "the RFC 9110 example date; milliseconds are dropped");
    let later = RetryAfter::HttpDate { in_secs: 90_061 }.header_value(T0);
    assert_eq!(later, "Mon, 07 Nov 1994 09:50:38 GMT", "one day, one hour, one minute and one second later");
    let fmt = time::macros::format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    let parsed = time::PrimitiveDateTime::parse(&later, &fmt).map(|t| t.assume_utc().unix_timestamp());
    assert_eq!(parsed, Ok(T0 / 1000 + 90_061), "a strict IMF-fixdate parser reads it back to now + in_secs");

    let limited = FaultKind::Status { status: 429, headers: vec![ResponseHeader::new("retry-after", "stale")], body: String::new(), retry_after: Some(RetryAfter::HttpDate { in_secs: 60 }) };
    let decision = decide_at(&[plan("limit", limited)], &mut FaultState::default(), None, T0);
    match &decision.action {
        FaultAction::Respond { headers, .. } => {
            let values: Vec<&str> = headers.iter().filter(|h| h.name.eq_ignore_ascii_case("retry-after")).map(|h| h.value.as_str()).collect();
            assert_eq!(values, ["Sun, 06 Nov 1994 08:50:37 GMT"], "the computed header replaces one written by hand");
        }
        other => panic!("429 answers, got {other:?}"),
    }
    assert!(decision.applied[0].description.contains("Retry-After: Sun, 06 Nov 1994 08:50:37 GMT"), "{:?}", decision.applied);
}

#[test]
fn latency_delays_the_answer_by_a_fixed_or_uniform_amount() {
    let mut state = FaultState::default();
    let fixed = [plan("slow", FaultKind::Latency { distribution: Delay::Fixed { ms: 1_500 } })];
    let decision = decide_at(&fixed, &mut state, None, T0);
    assert_eq!(decision.action, FaultAction::Pass { delay_ms: 1_500, trickle: None }, "latency alone lets the response rules answer, later");
    assert_eq!(decision.applied[0].description, "+1500 ms latency from plan 'slow'");
    let uniform = [plan("jitter", FaultKind::Latency { distribution: Delay::Uniform { min_ms: 100, max_ms: 300 } })];
    let delays: Vec<u64> = (0..2_000)
        .map(|_| match decide_at(&uniform, &mut state, None, T0).action {
            FaultAction::Pass { delay_ms, .. } => delay_ms,
            _ => u64::MAX,
        })
        .collect();
    assert!(delays.iter().all(|d| (100..=300).contains(d)), "every delay is inside the range");
    assert!(delays.iter().any(|&d| d < 120) && delays.iter().any(|&d| d > 280), "the whole range is used, not one value");
}

#[test]
fn tailed_latency_matches_its_configured_p50_and_p99() {
    let plans = [plan("tail", FaultKind::Latency { distribution: Delay::LogNormal { p50_ms: 200, p99_ms: 5_000 } })];
    let mut state = FaultState::default();
    let mut delays: Vec<u64> = (0..20_000)
        .filter_map(|_| match decide_at(&plans, &mut state, None, T0).action {
            FaultAction::Pass { delay_ms, .. } => Some(delay_ms),
            _ => None,
        })
        .collect();
    delays.sort_unstable();
    let (p50, p99) = (delays[delays.len() / 2] as f64, delays[delays.len() * 99 / 100] as f64);
    // With 20,000 draws the sample median's relative error is about 1.8% (one sd) and the sample
    // p99's about 7%: 6% and 20% are over three standard errors.
    assert!((p50 - 200.0).abs() / 200.0 < 0.06, "sample p50 {p50} within 6% of 200 ms");
    assert!((p99 - 5_000.0).abs() / 5_000.0 < 0.20, "sample p99 {p99} within 20% of 5000 ms");
    let (mu, sigma) = hookbench_domain::response::log_normal_params(200, 5_000);
    assert!((mu - 200f64.ln()).abs() < 1e-12 && (sigma - 25f64.ln() / 2.326_347_874).abs() < 1e-6, "sigma = ln(p99/p50)/z99");
}

#[test]
fn a_timeout_holds_the_request_for_at_most_its_bound() {
    let plans = [plan("hang", FaultKind::Timeout { max_hold_ms: 30_000 }), plan("slow", FaultKind::Latency { distribution: Delay::Fixed { ms: 5 } })];
    let decision = decide_at(&plans, &mut FaultState::default(), None, T0);
    assert_eq!(decision.action, FaultAction::Hold { ms: 30_000 }, "the request is held, not answered");
    assert_eq!(decision.applied.len(), 1, "latency means nothing to a request that is never answered");
    let huge = [plan("hang", FaultKind::Timeout { max_hold_ms: u64::MAX })];
    assert_eq!(decide_at(&huge, &mut FaultState::default(), None, T0).action, FaultAction::Hold { ms: MAX_HOLD_MS }, "the hold is always bounded");
}

#[test]
fn a_reset_closes_without_a_response_after_any_latency() {
    let plans = [plan("slow", FaultKind::Latency { distribution: Delay::Fixed { ms: 250 } }), plan("rst", FaultKind::Reset)];
    let decision = decide_at(&plans, &mut FaultState::default(), None, T0);
    assert_eq!(decision.action, FaultAction::Reset { delay_ms: 250 }, "reset after the latency: 'drops the connection after 250 ms'");
    assert!(!decision.action.answers(), "the client is told nothing");
    let kinds: Vec<&str> = decision.applied.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["latency", "reset"], "both are recorded, in plan order");
}

#[test]
fn a_slow_body_trickles_whatever_answer_the_request_gets() {
    let trickle = FaultKind::SlowBody { bytes_per_sec: 64, chunk_bytes: 8 };
    let expected = Some(Trickle { bytes_per_sec: 64, chunk_bytes: 8 });
    let alone = decide_at(&[plan("drip", trickle.clone())], &mut FaultState::default(), None, T0);
    assert_eq!(alone.action, FaultAction::Pass { delay_ms: 0, trickle: expected }, "the rule's body is trickled");
    let with_status = decide_at(&[plan("e", status(500)), plan("drip", trickle)], &mut FaultState::default(), None, T0);
    assert!(matches!(with_status.action, FaultAction::Respond { status: 500, trickle, .. } if trickle == expected), "the fault's body is trickled too");
}

#[test]
fn the_first_terminal_fault_wins_and_modifiers_add_up() {
    let plans = [
        plan("lat-a", FaultKind::Latency { distribution: Delay::Fixed { ms: 100 } }),
        plan("first", status(503)),
        plan("lat-b", FaultKind::Latency { distribution: Delay::Fixed { ms: 40 } }),
        plan("second", status(500)),
    ];
    let decision = decide_at(&plans, &mut FaultState::default(), None, T0);
    assert!(matches!(decision.action, FaultAction::Respond { status: 503, delay_ms: 140, .. }), "first status wins, latencies sum: {:?}", decision.action);
    let ids: Vec<&str> = decision.applied.iter().map(|a| a.plan_id.as_str()).collect();
    assert_eq!(ids, ["lat-a", "first", "lat-b"], "the losing status is not recorded; the rest are, in plan order");
    let mut off = plans.clone();
    off[1].enabled = false;
    assert_eq!(status_of(&decide_at(&off, &mut FaultState::default(), None, T0)), Some(500), "a switched-off plan never applies");
}

#[test]
fn receiver_off_refuses_and_wins_over_every_other_plan() {
    let plans = [plan("e", status(500)), plan("off", FaultKind::ReceiverOff { until: Some(T0 + 10_000) })];
    let decision = decide_at(&plans, &mut FaultState::default(), None, T0);
    assert_eq!(decision.action, FaultAction::Refuse, "a listener that is off never sees the request");
    assert_eq!(decision.applied[0].description, "connection refused from plan 'off', 10 s left");
    assert_eq!(refusing(&plans, T0).map(|p| p.id.as_str()), Some("off"), "the listener can ask before accepting");
    assert_eq!(refusing(&plans, T0 + 10_000), None, "at `until` the listener accepts again");
    assert_eq!(status_of(&decide_at(&plans, &mut FaultState::default(), None, T0 + 10_000)), Some(500), "then the other plans apply again");
}

#[test]
fn fail_first_fails_n_requests_overall_then_lets_them_pass() {
    let plans = [plan("fail", FaultKind::FailFirst { n: 3, per: FailPer::Overall, fault: Box::new(status(500)) })];
    let mut state = FaultState::default();
    let outcomes: Vec<Option<u16>> = ["a", "b", "a", "c", "a"].iter().map(|k| status_of(&decide_at(&plans, &mut state, Some(k), T0))).collect();
    assert_eq!(outcomes, [Some(500), Some(500), Some(500), None, None], "three failures whatever the key, then success");
    assert_eq!(state.counted("fail", None), 3, "the count stops at n");
    let mut fresh = FaultState::default();
    let second = (0..2).map(|_| decide_at(&plans, &mut fresh, None, T0)).last();
    assert_eq!(second.map(|d| d.applied[0].description.clone()).as_deref(), Some("500 from plan 'fail', request 2 of the first 3"));
}

#[test]
fn fail_first_per_idempotency_key_counts_each_key_apart() {
    let per_key = FailPer::IdempotencyKey { source: None };
    let plans = [plan("fail", FaultKind::FailFirst { n: 2, per: per_key, fault: Box::new(status(503)) })];
    let mut state = FaultState::default();
    let sequence = ["a", "b", "a", "a", "b", "b", "c"];
    let failed: Vec<bool> = sequence.iter().map(|k| status_of(&decide_at(&plans, &mut state, Some(k), T0)).is_some()).collect();
    assert_eq!(failed, [true, true, true, false, true, false, true], "each key fails twice, then passes; a new key starts at zero");
    assert_eq!((state.counted("fail", Some("a")), state.counted("fail", Some("c"))), (2, 1));
    let keyless: Vec<bool> = (0..3).map(|_| status_of(&decide_at(&plans, &mut state, None, T0)).is_some()).collect();
    assert_eq!(keyless, [true, true, false], "requests without a key share one count");

    let from_header = FailPer::IdempotencyKey { source: Some(KeySource::Header { name: "idempotency-key".into() }) };
    let plans = [plan("hdr", FaultKind::FailFirst { n: 1, per: from_header, fault: Box::new(status(503)) })];
    let mut state = FaultState::default();
    let headers = [Header::new("Idempotency-Key", "evt_9")];
    let request = RequestView { method: "POST", path: "/", query: None, headers: &headers, body: b"" };
    let decide_once = |state: &mut FaultState| decide(&plans, state, &FaultRequest { request, idempotency_key: None }, T0);
    let first = decide_once(&mut state);
    assert!(first.applied[0].description.ends_with("for key 'evt_9'"), "the key comes from the plan's own source: {:?}", first.applied);
    assert!(passes(&decide_once(&mut state)), "the retry of evt_9 succeeds");
}

#[test]
fn probability_hits_about_p_of_requests_and_a_seed_replays_the_same_run() {
    let flaky = |seed| [plan("flaky", FaultKind::Probability { p: 0.3, seed, fault: Box::new(status(503)) })];
    let run = |seed: u64, n: usize| {
        let mut state = FaultState::default();
        (0..n).map(|_| status_of(&decide_at(&flaky(seed), &mut state, None, T0)).is_some()).collect::<Vec<bool>>()
    };
    let hits = run(42, 10_000);
    let rate = hits.iter().filter(|&&h| h).count() as f64 / 10_000.0;
    // The hit count is Binomial(10,000, 0.3): sd = sqrt(10,000 * 0.3 * 0.7) ≈ 46, so ±0.02 (200 hits) is 4.4 sd.
    assert!((rate - 0.3).abs() < 0.02, "hit rate {rate} within 0.02 of p = 0.3");
    assert_eq!(run(42, 10_000), hits, "the same seed gives the same sequence");
    assert_ne!(run(43, 200), hits[..200], "another seed gives another sequence");

    let mut state = FaultState::default();
    let first: Vec<bool> = (0..100).map(|_| status_of(&decide_at(&flaky(42), &mut state, None, T0)).is_some()).collect();
    let saved = serde_json::to_string(&state).unwrap_or_default();
    let mut restored: FaultState = serde_json::from_str(&saved).unwrap_or_default();
    let rest: Vec<bool> = (0..100).map(|_| status_of(&decide_at(&flaky(42), &mut restored, None, T0)).is_some()).collect();
    assert_eq!([first, rest].concat(), hits[..200], "a persisted state resumes the run where it stopped");
}

#[test]
fn an_outage_ends_on_time_and_counts_down() {
    let clock = ManualClock::starting_at(T0);
    let outage = plan("outage", FaultKind::Outage { window: OutageWindow::Next { secs: 60 }, fault: Box::new(status(503)) });
    let plans = [FaultPlan { name: "Outage".into(), ..outage }];
    let mut state = FaultState::default();
    clock.advance_ms(23_000);
    let during = decide_at(&plans, &mut state, None, clock.now_ms());
    assert_eq!(status_of(&during), Some(503));
    assert_eq!(during.applied[0].description, "503 from plan 'Outage', 37 s left", "the record says how long the outage still runs");
    assert_eq!(plans[0].remaining(clock.now_ms()), Some(37_000), "the UI counts down from here");
    clock.advance_ms(36_999);
    assert_eq!(status_of(&decide_at(&plans, &mut state, None, clock.now_ms())), Some(503), "one millisecond before the end it is still down");
    clock.advance_ms(1);
    assert!(passes(&decide_at(&plans, &mut state, None, clock.now_ms())), "at the end of the window it is healthy again");
    assert_eq!(plans[0].status(clock.now_ms()), PlanStatus::Expired, "and the plan shows as expired, by itself");
    assert_eq!(plans[0].remaining(clock.now_ms()), None);
}

#[test]
fn an_outage_between_two_times_waits_for_its_start() {
    let window = OutageWindow::Between { start_at: T0 + 5_000, end_at: T0 + 8_000 };
    let plans = [plan("maint", FaultKind::Outage { window, fault: Box::new(FaultKind::Reset) })];
    let mut state = FaultState::default();
    assert!(passes(&decide_at(&plans, &mut state, None, T0)), "before the window: healthy");
    assert_eq!(plans[0].status(T0), PlanStatus::Scheduled { starts_in_ms: 5_000 });
    assert_eq!(next_change(&plans, T0), Some(T0 + 5_000), "the engine can wake up at the start");
    assert_eq!(decide_at(&plans, &mut state, None, T0 + 5_000).action, FaultAction::Reset { delay_ms: 0 }, "inside: the wrapped fault");
    assert_eq!(next_change(&plans, T0 + 5_000), Some(T0 + 8_000), "and at the end");
    assert!(passes(&decide_at(&plans, &mut state, None, T0 + 8_000)), "after: healthy");
}

#[test]
fn the_banner_lists_only_live_plans_with_their_countdown() {
    let plans = [
        plan("outage", FaultKind::Outage { window: OutageWindow::Next { secs: 10 }, fault: Box::new(status(503)) }),
        plan("slow", FaultKind::Latency { distribution: Delay::Fixed { ms: 5_000 } }),
        FaultPlan { enabled: false, ..plan("off", FaultKind::Reset) },
    ];
    let live = |now| active_plans(&plans, now).into_iter().map(|a| (a.id, a.remaining_ms)).collect::<Vec<_>>();
    assert_eq!(live(T0 + 4_000), [("outage".to_owned(), Some(6_000)), ("slow".to_owned(), None)], "switched-off plans are not live");
    assert_eq!(live(T0 + 10_000), [("slow".to_owned(), None)], "an expired outage leaves the banner by itself");
    assert_eq!(active_plans(&plans, T0)[0].summary, "503 for 10 s");
}

#[test]
fn each_preset_does_what_its_label_says() {
    let ids: Vec<&str> = presets().iter().map(|p| p.id).collect();
    assert_eq!(ids, ["down", "503-2m", "flaky-30", "slow-5s", "rate-limited", "fail-3"]);
    assert!(presets().iter().all(|p| FaultPlan::preset(p.id, T0).is_some_and(|plan| plan.problems().is_empty())), "every preset builds a valid plan");
    assert_eq!(FaultPlan::preset("nope", T0), None, "an unknown id is no plan");
    let one = |id: &str, now| {
        let preset = FaultPlan::preset(id, T0).into_iter().collect::<Vec<_>>();
        decide_at(&preset, &mut FaultState::default(), None, now)
    };
    assert_eq!(one("down", T0).action, FaultAction::Refuse, "Down: connection refused");
    assert_eq!(status_of(&one("503-2m", T0 + 119_999)), Some(503), "503 for 2 minutes: still 503 just before");
    assert!(passes(&one("503-2m", T0 + 120_000)), "and healthy at 2 minutes");
    assert_eq!(one("slow-5s", T0).action, FaultAction::Pass { delay_ms: 5_000, trickle: None }, "Slow 5 s");
    match one("rate-limited", T0).action {
        FaultAction::Respond { status, headers, .. } => {
            assert_eq!(status, 429);
            assert!(headers.contains(&ResponseHeader::new("Retry-After", "30")), "Retry-After 30: {headers:?}");
        }
        other => panic!("rate limited answers 429, got {other:?}"),
    }
    let fail3 = FaultPlan::preset("fail-3", T0).into_iter().collect::<Vec<_>>();
    let mut state = FaultState::default();
    let outcomes: Vec<Option<u16>> = (0..5).map(|_| status_of(&decide_at(&fail3, &mut state, None, T0))).collect();
    assert_eq!(outcomes, [Some(503), Some(503), Some(503), None, None], "Fail 3 then succeed");
    let flaky = FaultPlan::preset("flaky-30", T0).into_iter().collect::<Vec<_>>();
    let mut state = FaultState::default();
    let hits = (0..10_000).filter(|_| status_of(&decide_at(&flaky, &mut state, None, T0)).is_some()).count();
    assert!((2_800..=3_200).contains(&hits), "Flaky 30%: {hits} of 10,000 within ±200 (4.4 sd)");
}

#[test]
fn a_changed_plan_starts_its_counts_afresh_and_removed_plans_are_forgotten() {
    let mut fail = plan("fail", FaultKind::FailFirst { n: 1, per: FailPer::Overall, fault: Box::new(status(500)) });
    let mut state = FaultState::default();
    assert_eq!(status_of(&decide_at(std::slice::from_ref(&fail), &mut state, None, T0)), Some(500));
    assert!(passes(&decide_at(std::slice::from_ref(&fail), &mut state, None, T0)), "the one failure is used up");
    fail.activated_at = T0 + 1;
    assert_eq!(status_of(&decide_at(std::slice::from_ref(&fail), &mut state, None, T0 + 1)), Some(500), "switched on again: a new run");
    decide_at(&[], &mut state, None, T0 + 2);
    assert_eq!(state.counted("fail", None), 0, "a deleted plan's counts are dropped");
}

#[test]
fn plans_read_from_json_and_bad_ones_are_explained_by_field() {
    let json = r#"[{"id": "flaky", "name": "Flaky", "activated_at": 1796000000000,
                    "fault": {"kind": "probability", "p": 0.3, "seed": 42,
                              "fault": {"kind": "latency", "distribution": {"kind": "log_normal", "p50_ms": 200, "p99_ms": 4000}}}}]"#;
    let plans: Vec<FaultPlan> = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
    assert!(plans[0].enabled, "a plan is on unless it says otherwise");
    assert!(validate_plans(&plans).is_empty(), "{:?}", validate_plans(&plans));
    let back: Vec<FaultPlan> = serde_json::from_value(serde_json::to_value(&plans).unwrap_or_default()).unwrap_or_default();
    assert_eq!(back, plans, "plans survive a round trip through JSON");
    let failing: FaultPlan = serde_json::from_str(r#"{"id":"f","name":"F","activated_at":0,"fault":{"kind":"fail_first","n":2}}"#).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(failing.fault, FaultKind::FailFirst { ref fault, .. } if matches!(**fault, FaultKind::Status { status: 503, .. })), "a wrapper without a fault fails with 503");

    let bad = [
        plan("ok", FaultKind::Probability { p: 1.5, seed: 0, fault: Box::new(FaultKind::Outage { window: OutageWindow::Next { secs: 1 }, fault: Box::new(status(503)) }) }),
        plan("ok", FaultKind::Status { status: 42, headers: vec![ResponseHeader::new("X-A", "a\r\nb")], body: String::new(), retry_after: None }),
        FaultPlan { name: " ".into(), ..plan("bad id!", FaultKind::Latency { distribution: Delay::Uniform { min_ms: 9, max_ms: 1 } }) },
        plan("w", FaultKind::Outage { window: OutageWindow::Between { start_at: 5, end_at: 5 }, fault: Box::new(FaultKind::SlowBody { bytes_per_sec: 0, chunk_bytes: 0 }) }),
        plan("t", FaultKind::FailFirst { n: 0, per: FailPer::IdempotencyKey { source: Some(KeySource::JsonPointer { pointer: "id".into() }) }, fault: Box::new(FaultKind::Timeout { max_hold_ms: 0 }) }),
    ];
    let problems: Vec<String> = validate_plans(&bad).iter().map(ToString::to_string).collect();
    let paths: Vec<&str> = problems.iter().filter_map(|p| p.split(": ").next()).collect();
    assert_eq!(
        paths,
        [
            "[0].fault.p", "[0].fault.fault", "[1].id", "[1].fault.status", "[1].fault.headers[0].value", "[2].id", "[2].name",
            "[2].fault.distribution.min_ms", "[3].fault.window.end_at", "[3].fault.fault.bytes_per_sec", "[3].fault.fault.chunk_bytes",
            "[4].fault.n", "[4].fault.per.source", "[4].fault.fault.max_hold_ms",
        ],
        "every problem, with the path of its field: {problems:#?}"
    );
    assert!(problems[1].contains("'outage' can't be wrapped"), "{}", problems[1]);
}

#[test]
fn the_openapi_schema_of_a_plan_is_finite_despite_nested_faults() {
    use utoipa::openapi::OpenApiBuilder;
    use utoipa::openapi::schema::ComponentsBuilder;
    let mut schemas = Vec::new();
    <FaultPlan as utoipa::ToSchema>::schemas(&mut schemas);
    let components = ComponentsBuilder::new().schema_from::<FaultPlan>().schemas_from_iter(schemas).build();
    let doc = OpenApiBuilder::new().components(Some(components)).build().to_json().unwrap_or_default();
    assert!(doc.contains("fail_first") && doc.contains("receiver_off"), "the document describes every kind");
}
