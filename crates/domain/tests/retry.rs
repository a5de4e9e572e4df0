//! Outbound delivery rules: retry schedules and decisions, the circuit breaker, rate limits.

use hookbench_domain::retry::*;
use hookbench_domain::{Clock, ManualClock, Timestamp};
use rand::SeedableRng;
use rand::rngs::StdRng;

type Check = Result<(), String>;

const T0: Timestamp = 1_796_000_000_000; // 2026-11-30T00:53:20Z
const SEC: i64 = 1_000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;

fn preset(id: &str) -> Result<RetryPolicy, String> {
    RetryPolicy::preset(id).ok_or_else(|| format!("preset {id} should exist"))
}
fn status(code: u16) -> AttemptOutcome {
    AttemptOutcome::Response { status: code, retry_after: None }
}
fn without_jitter(policy: RetryPolicy) -> RetryPolicy {
    RetryPolicy { jitter_pct: 0, ..policy }
}
fn ds(text: &str) -> Result<Vec<DurationSpec>, String> {
    parse_schedule(text)
}

mod schedules {
    use super::*;

    #[test]
    fn a_delay_list_plans_each_attempt_after_the_one_before() -> Check {
        let policy = RetryPolicy::with_schedule(Schedule::Delays { list: ds("0, 30s, 2m, 10m, 1h")? });
        let expected = vec![T0, T0 + 30 * SEC, T0 + 150 * SEC, T0 + 750 * SEC, T0 + 750 * SEC + HOUR];
        assert_eq!(planned_schedule(&policy, T0), expected, "delays add up from the first attempt");
        Ok(())
    }

    #[test]
    fn exponential_delays_grow_by_the_factor_until_the_cap_and_stop_at_max_attempts() {
        let schedule = Schedule::Exponential {
            initial: DurationSpec::from_secs(1),
            factor: 2.0,
            cap: DurationSpec::from_secs(10),
            max_attempts: Some(7),
        };
        let delays: Vec<_> = (1..=8).map(|n| schedule.delay_before(n)).collect();
        let s = |n: u64| Some(n * 1_000);
        assert_eq!(
            delays,
            [Some(0), s(1), s(2), s(4), s(8), s(10), s(10), None],
            "1, 2, 4, 8, then capped at 10 s; no 8th"
        );
        let offsets: Vec<_> =
            planned_schedule(&RetryPolicy::with_schedule(schedule), 0).into_iter().map(|t| t / SEC).collect();
        assert_eq!(offsets, [0, 1, 3, 7, 15, 25, 35], "seven attempts in all");
    }

    #[test]
    fn max_total_ends_an_open_ended_schedule() {
        let policy = RetryPolicy {
            max_total: Some(DurationSpec::from_mins(10)),
            ..RetryPolicy::with_schedule(Schedule::Exponential {
                initial: DurationSpec::from_mins(1),
                factor: 2.0,
                cap: DurationSpec::from_hours(1),
                max_attempts: None,
            })
        };
        let minutes: Vec<_> = planned_schedule(&policy, 0).into_iter().map(|t| t / MIN).collect();
        assert_eq!(minutes, [0, 1, 3, 7], "the next attempt (15 min) would pass the 10 min bound");
    }

    #[test]
    fn presets_keep_the_senders_published_delays() -> Check {
        let list = |id: &str| match preset(id).map(|p| p.schedule) {
            Ok(Schedule::Delays { list }) => Ok(format_schedule(&list)),
            other => Err(format!("{id} should be a delay list, got {other:?}")),
        };
        assert_eq!(list("svix")?, "0, 5s, 5m, 30m, 2h, 5h, 10h, 10h", "Svix's published schedule");
        assert_eq!(list("standard")?, "0, 1m, 5m, 30m, 2h, 12h, 24h");
        assert_eq!(list("none")?, "0", "one attempt only");
        assert_eq!(list("aggressive")?, "0, 1s, 2s, 5s, 10s");
        let hours: Vec<_> = planned_schedule(&preset("stripe-like")?, 0).into_iter().map(|t| t / HOUR).collect();
        assert_eq!(hours, [0, 1, 3, 7, 15, 31, 55], "doubling from 1 h, at most 24 h apart, within 3 days");
        assert_eq!(RetryPolicy::default(), preset("standard")?, "standard is the default");
        assert!(RetryPolicy::preset("stripe").is_none(), "unknown ids are not guessed");
        let ids: Vec<_> = presets().into_iter().map(|p| p.id).collect();
        assert_eq!(ids, PRESET_IDS, "the listing and the ids agree");
        for p in presets() {
            assert_eq!(p.policy.validate(), Ok(()), "preset {} is valid", p.id);
        }
        Ok(())
    }

    #[test]
    fn parse_errors_name_the_bad_item() {
        let err = |text: &str| parse_schedule(text).err().unwrap_or_default();
        assert_eq!(err("0, 30s, 2x, 1h"), "item 3 '2x': unknown unit 'x'; use ms, s, m, h or d");
        assert!(
            err("0, 30").starts_with("item 2 '30': '30' has no unit"),
            "a bare number needs a unit: {}",
            err("0, 30")
        );
        assert_eq!(err("0,,1h"), "item 2 is empty (two commas in a row?)");
        assert!(err("  ").contains("empty"), "an empty schedule is refused");
    }

    #[test]
    fn durations_read_and_write_as_people_type_them() -> Check {
        assert_eq!(DurationSpec::parse("1h 30m")?.as_ms(), 5_400_000, "parts add up, spaces allowed");
        assert_eq!(DurationSpec::from_ms(5_400_000).to_string(), "1h30m", "written in its shortest exact form");
        assert_eq!(DurationSpec::from_ms(1_500).to_string(), "1s500ms");
        assert_eq!(DurationSpec::parse("1d12h")?.to_string(), "36h", "hours read better than 1d12h");
        assert_eq!(format_schedule(&ds("0,30s ,2m,10m, 1h")?), "0, 30s, 2m, 10m, 1h", "the list round-trips");
        let json = serde_json::to_string(&DurationSpec::from_days(3)).map_err(|e| e.to_string())?;
        assert_eq!(json, "\"3d\"", "JSON carries the human string");
        let bad =
            serde_json::from_str::<DurationSpec>("\"5 parsecs\"").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(bad.contains("unknown unit 'parsecs'"), "the serde error says what is wrong: {bad}");
        Ok(())
    }

    #[test]
    fn a_policy_is_written_as_tagged_json_with_human_durations() -> Check {
        let json = serde_json::to_value(preset("stripe-like")?).map_err(|e| e.to_string())?;
        let expected = serde_json::json!({
            "schedule": {"kind": "exponential", "initial": "1h", "factor": 2.0, "cap": "24h", "max_attempts": null},
            "max_total": "3d",
            "jitter_pct": 20,
            "retry_on": {"connection_errors": true, "timeouts": true, "statuses": ["5xx", "429", "408"]},
            "retry_after_max": "1h"
        });
        assert_eq!(json, expected, "the wire shape the API and the UI rely on");
        Ok(())
    }

    #[test]
    fn a_policy_reads_from_minimal_json_and_every_problem_is_named() -> Check {
        let policy: RetryPolicy = serde_json::from_str(r#"{"schedule":{"kind":"delays","list":["0","30s","2m"]}}"#)
            .map_err(|e| e.to_string())?;
        assert_eq!(
            (policy.jitter_pct, policy.retry_after_max.to_string()),
            (20, "1h".to_owned()),
            "defaults fill the rest"
        );
        assert_eq!(policy.retry_on, RetryOn::default(), "retries connection errors, timeouts, 5xx, 429, 408");
        let bad: RetryPolicy = serde_json::from_str(
            r#"{"schedule":{"kind":"exponential","initial":"0","factor":0.5,"cap":"1h"},"jitter_pct":150,
                "retry_on":{"statuses":["5xx","2xx"]}}"#,
        )
        .map_err(|e| e.to_string())?;
        let problems = bad.validate().err().unwrap_or_default();
        let fields: Vec<_> = problems.iter().filter_map(|p| p.split(':').next()).collect();
        assert_eq!(
            fields,
            ["schedule.initial", "schedule.factor", "schedule.max_attempts", "jitter_pct", "retry_on.statuses[1]"],
            "each problem carries its field path: {problems:?}"
        );
        Ok(())
    }
}

mod jitter {
    use super::*;

    #[test]
    fn jittered_delays_stay_within_the_percentage_and_use_its_whole_width() {
        let mut rng = StdRng::seed_from_u64(7);
        let draws: Vec<u64> = (0..10_000).map(|_| jittered(60_000, 20, &mut rng)).collect();
        let (low, high) = (draws.iter().min().copied().unwrap_or(0), draws.iter().max().copied().unwrap_or(0));
        assert!(low >= 48_000 && high <= 72_000, "±20 % of 60 s is 48–72 s, got {low}–{high}");
        assert!(low < 49_000 && high > 71_000, "10,000 draws reach near both ends, got {low}–{high}");
        let full: Vec<u64> = (0..1_000).map(|_| jittered(1_000, 100, &mut rng)).collect();
        assert!(full.iter().all(|&d| d <= 2_000), "±100 % never goes below 0 or above double");
        assert_eq!(jittered(0, 20, &mut rng), 0, "an immediate attempt stays immediate");
        assert_eq!(jittered(30_000, 0, &mut rng), 30_000, "no jitter is exact");
    }

    #[test]
    fn the_same_seed_gives_the_same_delays() {
        let run = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..20).map(|_| jittered(300_000, 20, &mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42), "a seeded run is reproducible");
        assert_ne!(run(42), run(43), "another seed gives other delays");
    }
}

mod classification {
    use super::*;

    #[test]
    fn the_default_rules_retry_server_errors_429_408_and_every_error_class() {
        let rules = RetryOn::default();
        for code in [200, 201, 204, 299] {
            assert_eq!(rules.classify(&status(code)), OutcomeClass::Success, "{code} is delivered");
        }
        for code in [500, 502, 503, 599, 429, 408] {
            let expected = OutcomeClass::Retryable(format!("{code} is retryable"));
            assert_eq!(rules.classify(&status(code)), expected, "{code} is worth another try");
        }
        for code in [301, 400, 401, 403, 404, 409, 410, 422] {
            let expected = OutcomeClass::Terminal(format!("{code} is not retryable"));
            assert_eq!(rules.classify(&status(code)), expected, "{code} will not change on retry");
        }
        for class in ErrorClass::ALL {
            let verdict = rules.classify(&AttemptOutcome::Error { class });
            assert!(matches!(verdict, OutcomeClass::Retryable(_)), "{class:?} is retried by default: {verdict:?}");
        }
    }

    #[test]
    fn custom_rules_change_what_retries_but_an_interrupted_attempt_always_does() -> Check {
        let rules: RetryOn =
            serde_json::from_str(r#"{"connection_errors":false,"timeouts":false,"statuses":[409,"500-502"]}"#)
                .map_err(|e| e.to_string())?;
        let retries = |o: AttemptOutcome| matches!(rules.classify(&o), OutcomeClass::Retryable(_));
        assert!(retries(status(409)) && retries(status(502)), "listed statuses retry");
        assert!(!retries(status(503)), "503 is outside 500-502");
        assert_eq!(
            rules.classify(&AttemptOutcome::Error { class: ErrorClass::Timeout }),
            OutcomeClass::Terminal("timeout is not retryable (retry_on.timeouts is off)".into()),
            "the reason names the setting"
        );
        assert!(!retries(AttemptOutcome::Error { class: ErrorClass::Reset }), "connection errors are off");
        assert!(retries(AttemptOutcome::Error { class: ErrorClass::Interrupted }), "at-least-once owes a new try");
        Ok(())
    }

    #[test]
    fn status_matchers_read_and_write_exact_class_and_range() -> Check {
        for text in ["429", "5xx", "500-504"] {
            assert_eq!(StatusMatcher::parse(text)?.to_string(), text, "{text} round-trips");
        }
        for bad in ["6xx", "abc", "504-500", "99"] {
            assert!(StatusMatcher::parse(bad).is_err(), "{bad} is refused");
        }
        Ok(())
    }
}

mod retry_after {
    use super::*;

    const NOV_1994: Timestamp = 784_111_777_000; // Sun, 06 Nov 1994 08:49:37 GMT

    #[test]
    fn seconds_and_all_three_http_date_forms_are_read() -> Check {
        assert_eq!(RetryAfterValue::parse(" 120 ", T0)?, RetryAfterValue::Seconds(120), "delay-seconds");
        for form in ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"] {
            assert_eq!(RetryAfterValue::parse(form, T0)?, RetryAfterValue::Date(NOV_1994), "{form}");
        }
        let year = |text: &str| parse_http_date(text, T0).map(|ms| ms / 1_000);
        assert_eq!(year("Tuesday, 01-Jan-30 00:00:00 GMT")?, 1_893_456_000, "'30 read in 2026 is 2030");
        assert_eq!(year("Friday, 31-Dec-99 23:59:59 GMT")?, 946_684_799, "'99 would be 73 years ahead: 1999");
        let err = RetryAfterValue::parse("soon", T0).err().unwrap_or_default();
        assert!(err.contains("'soon'"), "the error quotes the value: {err}");
        assert!(RetryAfterValue::parse("-5", T0).is_err(), "negative seconds are not a delay");
        Ok(())
    }

    #[test]
    fn the_delay_counts_from_now_and_a_past_date_means_now() {
        assert_eq!(RetryAfterValue::Seconds(120).delay_ms(T0), 120_000);
        assert_eq!(RetryAfterValue::Date(T0 + 90 * SEC).delay_ms(T0), 90_000, "a date 90 s ahead");
        assert_eq!(RetryAfterValue::Date(NOV_1994).delay_ms(T0), 0, "a date in the past asks for no wait");
    }

    #[test]
    fn retry_after_is_honoured_and_capped() -> Check {
        let policy = preset("svix")?;
        let mut rng = StdRng::seed_from_u64(1);
        let with = |secs| AttemptOutcome::Response { status: 429, retry_after: Some(RetryAfterValue::Seconds(secs)) };
        let step = next_step(&policy, 3, T0, T0, &with(120), TimeScale::REAL, &mut rng);
        let NextStep::RetryAt { at, because, .. } = step else { return Err(format!("should retry: {step:?}")) };
        assert_eq!(at, T0 + 120 * SEC, "exactly the asked wait, no jitter");
        assert_eq!(because, "429 is retryable; Retry-After: 120 s honoured (capped at 1h); attempt 4 of 8 at +2m");
        let step = next_step(&policy, 3, T0, T0, &with(7_200), TimeScale::REAL, &mut rng);
        let NextStep::RetryAt { at, because, .. } = step else { return Err(format!("should retry: {step:?}")) };
        assert_eq!(at, T0 + HOUR, "two hours asked, one allowed");
        assert!(because.contains("Retry-After: 7200 s capped at 1h"), "{because}");
        Ok(())
    }
}

mod decisions {
    use super::*;

    #[test]
    fn each_decision_reads_as_a_sentence() -> Check {
        let svix = preset("svix")?;
        let mut rng = StdRng::seed_from_u64(9);
        let mut step = |attempt, outcome| next_step(&svix, attempt, T0, T0, &outcome, TimeScale::REAL, &mut rng);
        let NextStep::RetryAt { at, attempt, because, .. } = step(3, status(503)) else {
            return Err("503 retries".into());
        };
        assert_eq!(because, "503 is retryable; attempt 4 of 8 at +30m (±20 % jitter)");
        assert_eq!(attempt, 4, "the attempt the retry will be");
        assert!((T0 + 24 * MIN..=T0 + 36 * MIN).contains(&at), "30 min ± 20 %, got {}", (at - T0) / SEC);
        let refused = step(1, AttemptOutcome::Error { class: ErrorClass::ConnectRefused });
        assert!(
            matches!(&refused, NextStep::RetryAt { because, .. } if because == "connection refused is retryable; attempt 2 of 8 at +5s (±20 % jitter)"),
            "{refused:?}"
        );
        assert_eq!(step(1, status(400)), NextStep::GiveUp { because: "400 is not retryable: dead letter".into() });
        assert_eq!(
            step(8, status(503)),
            NextStep::GiveUp { because: "503 is retryable; schedule exhausted after 8 attempts: dead letter".into() }
        );
        assert_eq!(step(2, status(204)), NextStep::Done, "delivered");
        Ok(())
    }

    #[test]
    fn a_seven_attempt_three_day_schedule_is_walked_with_exact_due_times() -> Check {
        let policy = without_jitter(preset("stripe-like")?);
        let clock = ManualClock::starting_at(T0);
        let mut rng = StdRng::seed_from_u64(0);
        let mut due = Vec::new();
        for attempt in 1.. {
            match next_step(&policy, attempt, T0, clock.now_ms(), &status(503), TimeScale::REAL, &mut rng) {
                NextStep::RetryAt { at, .. } => {
                    due.push(at);
                    clock.set_ms(at);
                }
                NextStep::GiveUp { because } => {
                    assert_eq!(because, "503 is retryable; max total duration 3d reached: dead letter");
                    assert_eq!(attempt, 7, "seven attempts fit in three days");
                    break;
                }
                NextStep::Done => return Err("a 503 is never delivered".into()),
            }
        }
        let hours: Vec<_> = due.iter().map(|t| (t - T0) / HOUR).collect();
        assert_eq!(hours, [1, 3, 7, 15, 31, 55], "attempts 2–7, hours after the first");
        assert_eq!(&planned_schedule(&policy, T0)[1..], &due[..], "the walk matches the plan drawn ahead");
        Ok(())
    }
}

mod time_scale {
    use super::*;

    #[test]
    fn at_3600x_an_hour_waits_a_second_and_both_times_are_reported() -> Check {
        let scale = TimeScale::new(3600.0)?;
        assert_eq!(scaled(3_600_000, 3600.0), 1_000, "1 h at 3600× is 1 s");
        assert_eq!(scale.delay(3_600_000), ScaledDelay { real_ms: 3_600_000, scaled_ms: 1_000 });
        let policy = without_jitter(RetryPolicy::with_schedule(Schedule::Delays { list: ds("0, 1h")? }));
        let step = next_step(&policy, 1, T0, T0, &status(503), scale, &mut StdRng::seed_from_u64(0));
        let expected = NextStep::RetryAt {
            at: T0 + SEC,
            attempt: 2,
            delay: ScaledDelay { real_ms: 3_600_000, scaled_ms: 1_000 },
            because: "503 is retryable; attempt 2 of 2 at +1h; at 3600× that is +1s on the clock".into(),
        };
        assert_eq!(step, expected, "the clock waits 1 s; the timeline still says 1 h");
        let plan = planned_attempts(&preset("standard")?, T0, TimeScale::new(60.0)?);
        let last = plan.last().map(|p| (p.offset.real_ms, p.offset.scaled_ms, p.at));
        assert_eq!(last, Some((138_960_000, 2_316_000, T0 + 2_316_000)), "38h36m real is 38m36s at 60×");
        Ok(())
    }

    #[test]
    fn a_sped_up_run_gives_up_after_the_same_attempt_as_a_real_one() -> Check {
        let policy = without_jitter(preset("stripe-like")?);
        let scale = TimeScale::new(3600.0)?;
        let mut now = T0;
        let mut rng = StdRng::seed_from_u64(0);
        for attempt in 1..=7 {
            match next_step(&policy, attempt, T0, now, &status(500), scale, &mut rng) {
                NextStep::RetryAt { at, .. } if attempt < 7 => now = at,
                NextStep::GiveUp { .. } if attempt == 7 => {
                    assert_eq!(now - T0, 55 * SEC, "the 7th attempt came 55 s after the first: 55 h at 3600×");
                    return Ok(());
                }
                other => return Err(format!("attempt {attempt}: unexpected {other:?}")),
            }
        }
        Err("the bound of 3 days was not applied".into())
    }

    #[test]
    fn a_time_scale_below_1_is_refused() {
        assert!(TimeScale::new(0.5).is_err(), "slowing time down is not a speed factor");
        assert!(serde_json::from_str::<TimeScale>("0").is_err(), "nor from JSON");
        assert!(serde_json::from_str::<TimeScale>("60").is_ok(), "60× is fine");
    }
}
