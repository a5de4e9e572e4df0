//! Plans together and over time: composition, windows, the banner, presets, stored JSON, validation.

use super::*;

#[test]
fn the_first_terminal_fault_wins_and_modifiers_add_up() {
    let plans = [
        plan("lat-a", FaultKind::Latency { distribution: Delay::Fixed { ms: 100 } }),
        plan("first", status(503)),
        plan("lat-b", FaultKind::Latency { distribution: Delay::Fixed { ms: 40 } }),
        plan("second", status(500)),
    ];
    let decision = decide_at(&plans, &mut FaultState::default(), None, T0);
    assert!(
        matches!(decision.action, FaultAction::Respond { status: 503, delay_ms: 140, .. }),
        "first status wins, latencies sum: {:?}",
        decision.action
    );
    let ids: Vec<&str> = decision.applied.iter().map(|a| a.plan_id.as_str()).collect();
    assert_eq!(ids, ["lat-a", "first", "lat-b"], "the losing status is not recorded; the rest are, in plan order");
    let mut off = plans.clone();
    off[1].enabled = false;
    assert_eq!(
        status_of(&decide_at(&off, &mut FaultState::default(), None, T0)),
        Some(500),
        "a switched-off plan never applies"
    );
}

#[test]
fn an_outage_ends_on_time_and_counts_down() {
    let clock = ManualClock::starting_at(T0);
    let outage =
        plan("outage", FaultKind::Outage { window: OutageWindow::Next { secs: 60 }, fault: Box::new(status(503)) });
    let plans = [FaultPlan { name: "Outage".into(), ..outage }];
    let mut state = FaultState::default();
    clock.advance_ms(23_000);
    let during = decide_at(&plans, &mut state, None, clock.now_ms());
    assert_eq!(status_of(&during), Some(503));
    assert_eq!(
        during.applied[0].description, "503 from plan 'Outage', 37 s left",
        "the record says how long the outage still runs"
    );
    assert_eq!(plans[0].remaining(clock.now_ms()), Some(37_000), "the UI counts down from here");
    clock.advance_ms(36_999);
    assert_eq!(
        status_of(&decide_at(&plans, &mut state, None, clock.now_ms())),
        Some(503),
        "one millisecond before the end it is still down"
    );
    clock.advance_ms(1);
    assert!(
        passes(&decide_at(&plans, &mut state, None, clock.now_ms())),
        "at the end of the window it is healthy again"
    );
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
    assert_eq!(
        decide_at(&plans, &mut state, None, T0 + 5_000).action,
        FaultAction::Reset { delay_ms: 0 },
        "inside: the wrapped fault"
    );
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
    assert_eq!(
        live(T0 + 4_000),
        [("outage".to_owned(), Some(6_000)), ("slow".to_owned(), None)],
        "switched-off plans are not live"
    );
    assert_eq!(live(T0 + 10_000), [("slow".to_owned(), None)], "an expired outage leaves the banner by itself");
    assert_eq!(active_plans(&plans, T0)[0].summary, "503 for 10 s");
}

#[test]
fn each_preset_does_what_its_label_says() {
    let ids: Vec<&str> = presets().iter().map(|p| p.id).collect();
    assert_eq!(ids, ["down", "503-2m", "flaky-30", "slow-5s", "rate-limited", "fail-3"]);
    assert!(
        presets().iter().all(|p| FaultPlan::preset(p.id, T0).is_some_and(|plan| plan.problems().is_empty())),
        "every preset builds a valid plan"
    );
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
    assert_eq!(
        status_of(&decide_at(std::slice::from_ref(&fail), &mut state, None, T0 + 1)),
        Some(500),
        "switched on again: a new run"
    );
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
    let back: Vec<FaultPlan> =
        serde_json::from_value(serde_json::to_value(&plans).unwrap_or_default()).unwrap_or_default();
    assert_eq!(back, plans, "plans survive a round trip through JSON");
    let failing: FaultPlan =
        serde_json::from_str(r#"{"id":"f","name":"F","activated_at":0,"fault":{"kind":"fail_first","n":2}}"#)
            .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(failing.fault, FaultKind::FailFirst { ref fault, .. } if matches!(**fault, FaultKind::Status { status: 503, .. })),
        "a wrapper without a fault fails with 503"
    );

    let bad = [
        plan(
            "ok",
            FaultKind::Probability {
                p: 1.5,
                seed: 0,
                fault: Box::new(FaultKind::Outage {
                    window: OutageWindow::Next { secs: 1 },
                    fault: Box::new(status(503)),
                }),
            },
        ),
        plan(
            "ok",
            FaultKind::Status {
                status: 42,
                headers: vec![ResponseHeader::new("X-A", "a\r\nb")],
                body: String::new(),
                retry_after: None,
            },
        ),
        FaultPlan {
            name: " ".into(),
            ..plan("bad id!", FaultKind::Latency { distribution: Delay::Uniform { min_ms: 9, max_ms: 1 } })
        },
        plan(
            "w",
            FaultKind::Outage {
                window: OutageWindow::Between { start_at: 5, end_at: 5 },
                fault: Box::new(FaultKind::SlowBody { bytes_per_sec: 0, chunk_bytes: 0 }),
            },
        ),
        plan(
            "t",
            FaultKind::FailFirst {
                n: 0,
                per: FailPer::IdempotencyKey { source: Some(KeySource::JsonPointer { pointer: "id".into() }) },
                fault: Box::new(FaultKind::Timeout { max_hold_ms: 0 }),
            },
        ),
    ];
    let problems: Vec<String> = validate_plans(&bad).iter().map(ToString::to_string).collect();
    let paths: Vec<&str> = problems.iter().filter_map(|p| p.split(": ").next()).collect();
    assert_eq!(
        paths,
        [
            "[0].fault.p",
            "[0].fault.fault",
            "[1].id",
            "[1].fault.status",
            "[1].fault.headers[0].value",
            "[2].id",
            "[2].name",
            "[2].fault.distribution.min_ms",
            "[3].fault.window.end_at",
            "[3].fault.fault.bytes_per_sec",
            "[3].fault.fault.chunk_bytes",
            "[4].fault.n",
            "[4].fault.per.source",
            "[4].fault.fault.max_hold_ms",
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
