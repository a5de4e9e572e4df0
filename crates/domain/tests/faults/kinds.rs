//! Each fault kind's decision on its own: what the client is told, how requests are counted and drawn.

use super::*;

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
            assert_eq!(
                headers,
                &[ResponseHeader::new("Content-Type", "application/json")],
                "the plan's headers are sent"
            );
        }
        other => panic!("a status fault answers, got {other:?}"),
    }
    assert_eq!(
        decision.applied[0].description, "502 from plan 'boom'",
        "the capture says what was told and by which plan"
    );
    assert_eq!(decision.applied[0].kind, "status");
}

#[test]
fn retry_after_is_written_as_seconds_or_as_an_imf_fixdate_from_now() {
    assert_eq!(RetryAfter::Seconds { secs: 30 }.header_value(T0), "30");
    assert_eq!(
        RetryAfter::HttpDate { in_secs: 0 }.header_value(T0),
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "the RFC 9110 example date; milliseconds are dropped"
    );
    let later = RetryAfter::HttpDate { in_secs: 90_061 }.header_value(T0);
    assert_eq!(later, "Mon, 07 Nov 1994 09:50:38 GMT", "one day, one hour, one minute and one second later");
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let parsed = time::PrimitiveDateTime::parse(&later, &fmt).map(|t| t.assume_utc().unix_timestamp());
    assert_eq!(parsed, Ok(T0 / 1000 + 90_061), "a strict IMF-fixdate parser reads it back to now + in_secs");

    let limited = FaultKind::Status {
        status: 429,
        headers: vec![ResponseHeader::new("retry-after", "stale")],
        body: String::new(),
        retry_after: Some(RetryAfter::HttpDate { in_secs: 60 }),
    };
    let decision = decide_at(&[plan("limit", limited)], &mut FaultState::default(), None, T0);
    match &decision.action {
        FaultAction::Respond { headers, .. } => {
            let values: Vec<&str> = headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case("retry-after"))
                .map(|h| h.value.as_str())
                .collect();
            assert_eq!(values, ["Sun, 06 Nov 1994 08:50:37 GMT"], "the computed header replaces one written by hand");
        }
        other => panic!("429 answers, got {other:?}"),
    }
    assert!(
        decision.applied[0].description.contains("Retry-After: Sun, 06 Nov 1994 08:50:37 GMT"),
        "{:?}",
        decision.applied
    );
}

#[test]
fn latency_delays_the_answer_by_a_fixed_or_uniform_amount() {
    let mut state = FaultState::default();
    let fixed = [plan("slow", FaultKind::Latency { distribution: Delay::Fixed { ms: 1_500 } })];
    let decision = decide_at(&fixed, &mut state, None, T0);
    assert_eq!(
        decision.action,
        FaultAction::Pass { delay_ms: 1_500, trickle: None },
        "latency alone lets the response rules answer, later"
    );
    assert_eq!(decision.applied[0].description, "+1500 ms latency from plan 'slow'");
    let uniform = [plan("jitter", FaultKind::Latency { distribution: Delay::Uniform { min_ms: 100, max_ms: 300 } })];
    let delays: Vec<u64> = (0..2_000)
        .map(|_| match decide_at(&uniform, &mut state, None, T0).action {
            FaultAction::Pass { delay_ms, .. } => delay_ms,
            _ => u64::MAX,
        })
        .collect();
    assert!(delays.iter().all(|d| (100..=300).contains(d)), "every delay is inside the range");
    assert!(
        delays.iter().any(|&d| d < 120) && delays.iter().any(|&d| d > 280),
        "the whole range is used, not one value"
    );
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
    assert!(
        (mu - 200f64.ln()).abs() < 1e-12 && (sigma - 25f64.ln() / 2.326_347_874).abs() < 1e-6,
        "sigma = ln(p99/p50)/z99"
    );
}

#[test]
fn a_timeout_holds_the_request_for_at_most_its_bound() {
    let plans = [
        plan("hang", FaultKind::Timeout { max_hold_ms: 30_000 }),
        plan("slow", FaultKind::Latency { distribution: Delay::Fixed { ms: 5 } }),
    ];
    let decision = decide_at(&plans, &mut FaultState::default(), None, T0);
    assert_eq!(decision.action, FaultAction::Hold { ms: 30_000 }, "the request is held, not answered");
    assert_eq!(decision.applied.len(), 1, "latency means nothing to a request that is never answered");
    let huge = [plan("hang", FaultKind::Timeout { max_hold_ms: u64::MAX })];
    assert_eq!(
        decide_at(&huge, &mut FaultState::default(), None, T0).action,
        FaultAction::Hold { ms: MAX_HOLD_MS },
        "the hold is always bounded"
    );
}

#[test]
fn a_reset_closes_without_a_response_after_any_latency() {
    let plans =
        [plan("slow", FaultKind::Latency { distribution: Delay::Fixed { ms: 250 } }), plan("rst", FaultKind::Reset)];
    let decision = decide_at(&plans, &mut FaultState::default(), None, T0);
    assert_eq!(
        decision.action,
        FaultAction::Reset { delay_ms: 250 },
        "reset after the latency: 'drops the connection after 250 ms'"
    );
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
    assert!(
        matches!(with_status.action, FaultAction::Respond { status: 500, trickle, .. } if trickle == expected),
        "the fault's body is trickled too"
    );
}

#[test]
fn receiver_off_refuses_and_wins_over_every_other_plan() {
    let plans = [plan("e", status(500)), plan("off", FaultKind::ReceiverOff { until: Some(T0 + 10_000) })];
    let decision = decide_at(&plans, &mut FaultState::default(), None, T0);
    assert_eq!(decision.action, FaultAction::Refuse, "a listener that is off never sees the request");
    assert_eq!(decision.applied[0].description, "connection refused from plan 'off', 10 s left");
    assert_eq!(refusing(&plans, T0).map(|p| p.id.as_str()), Some("off"), "the listener can ask before accepting");
    assert_eq!(refusing(&plans, T0 + 10_000), None, "at `until` the listener accepts again");
    assert_eq!(
        status_of(&decide_at(&plans, &mut FaultState::default(), None, T0 + 10_000)),
        Some(500),
        "then the other plans apply again"
    );
}

#[test]
fn fail_first_fails_n_requests_overall_then_lets_them_pass() {
    let plans = [plan("fail", FaultKind::FailFirst { n: 3, per: FailPer::Overall, fault: Box::new(status(500)) })];
    let mut state = FaultState::default();
    let outcomes: Vec<Option<u16>> =
        ["a", "b", "a", "c", "a"].iter().map(|k| status_of(&decide_at(&plans, &mut state, Some(k), T0))).collect();
    assert_eq!(
        outcomes,
        [Some(500), Some(500), Some(500), None, None],
        "three failures whatever the key, then success"
    );
    assert_eq!(state.counted("fail", None), 3, "the count stops at n");
    let mut fresh = FaultState::default();
    let second = (0..2).map(|_| decide_at(&plans, &mut fresh, None, T0)).last();
    assert_eq!(
        second.map(|d| d.applied[0].description.clone()).as_deref(),
        Some("500 from plan 'fail', request 2 of the first 3")
    );
}

#[test]
fn fail_first_per_idempotency_key_counts_each_key_apart() {
    let per_key = FailPer::IdempotencyKey { source: None };
    let plans = [plan("fail", FaultKind::FailFirst { n: 2, per: per_key, fault: Box::new(status(503)) })];
    let mut state = FaultState::default();
    let sequence = ["a", "b", "a", "a", "b", "b", "c"];
    let failed: Vec<bool> =
        sequence.iter().map(|k| status_of(&decide_at(&plans, &mut state, Some(k), T0)).is_some()).collect();
    assert_eq!(
        failed,
        [true, true, true, false, true, false, true],
        "each key fails twice, then passes; a new key starts at zero"
    );
    assert_eq!((state.counted("fail", Some("a")), state.counted("fail", Some("c"))), (2, 1));
    let keyless: Vec<bool> = (0..3).map(|_| status_of(&decide_at(&plans, &mut state, None, T0)).is_some()).collect();
    assert_eq!(keyless, [true, true, false], "requests without a key share one count");

    let from_header = FailPer::IdempotencyKey { source: Some(KeySource::Header { name: "idempotency-key".into() }) };
    let plans = [plan("hdr", FaultKind::FailFirst { n: 1, per: from_header, fault: Box::new(status(503)) })];
    let mut state = FaultState::default();
    let headers = [Header::new("Idempotency-Key", "evt_9")];
    let request = RequestView { method: "POST", path: "/", query: None, headers: &headers, body: b"" };
    let decide_once =
        |state: &mut FaultState| decide(&plans, state, &FaultRequest { request, idempotency_key: None }, T0);
    let first = decide_once(&mut state);
    assert!(
        first.applied[0].description.ends_with("for key 'evt_9'"),
        "the key comes from the plan's own source: {:?}",
        first.applied
    );
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
    let first: Vec<bool> =
        (0..100).map(|_| status_of(&decide_at(&flaky(42), &mut state, None, T0)).is_some()).collect();
    let saved = serde_json::to_string(&state).unwrap_or_default();
    let mut restored: FaultState = serde_json::from_str(&saved).unwrap_or_default();
    let rest: Vec<bool> =
        (0..100).map(|_| status_of(&decide_at(&flaky(42), &mut restored, None, T0)).is_some()).collect();
    assert_eq!([first, rest].concat(), hits[..200], "a persisted state resumes the run where it stopped");
}
