//! Checking fault plans: every problem, each with the path of the field it is about.

use super::{FailPer, FaultKind, FaultPlan, MAX_HOLD_MS, OutageWindow, Problem};
use crate::response::{Delay, is_header_name, status_problem};

/// The longest outage window: 30 days. Longer is better said by switching the plan off by hand.
const MAX_WINDOW_MS: i64 = 30 * 24 * 3_600_000;
/// The largest trickle chunk: 1 MiB.
const MAX_CHUNK_BYTES: u32 = 1 << 20;

/// Every problem with a list of plans, paths starting with the plan's index (`[1].fault.p`); ids
/// must be unique.
pub fn validate_plans(plans: &[FaultPlan]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (i, plan) in plans.iter().enumerate() {
        if plans.get(..i).is_some_and(|earlier| earlier.iter().any(|p| p.id == plan.id)) {
            problems.push(Problem::new(format!("[{i}].id"), format!("another plan already has the id '{}'", plan.id)));
        }
        problems.extend(
            plan_problems(plan).into_iter().map(|p| Problem { path: format!("[{i}].{}", p.path), message: p.message }),
        );
    }
    problems
}

pub(super) fn plan_problems(plan: &FaultPlan) -> Vec<Problem> {
    let mut problems = Vec::new();
    let id_ok = |b: u8| b.is_ascii_alphanumeric() || b"-_.".contains(&b);
    if plan.id.is_empty() || plan.id.len() > 64 || !plan.id.bytes().all(id_ok) {
        problems.push(Problem::new(
            "id",
            format!("'{}' is not a plan id: use 1–64 letters, digits, '-', '_' or '.'", plan.id),
        ));
    }
    if plan.name.trim().is_empty() {
        problems.push(Problem::new("name", "give the plan a name"));
    }
    check(&plan.fault, "fault", &mut problems);
    problems
}

fn check(kind: &FaultKind, path: &str, problems: &mut Vec<Problem>) {
    let mut problem = |field: &str, message: String| problems.push(Problem::new(format!("{path}.{field}"), message));
    match kind {
        FaultKind::Status { status, headers, retry_after: _, body: _ } => {
            if let Some(message) = status_problem(*status) {
                problem("status", message);
            }
            for (i, header) in headers.iter().enumerate() {
                if !is_header_name(&header.name) {
                    problem(&format!("headers[{i}].name"), format!("'{}' is not a valid header name", header.name));
                }
                if header.value.contains(['\r', '\n', '\0']) {
                    problem(&format!("headers[{i}].value"), "a header value cannot contain line breaks".to_owned());
                }
            }
        }
        FaultKind::Latency { distribution } => {
            if *distribution == Delay::None {
                problem("distribution", "choose a delay: fixed, uniform or log_normal".to_owned());
            }
            for (field, message) in distribution.problems() {
                problem(&format!("distribution.{field}"), message);
            }
        }
        FaultKind::Timeout { max_hold_ms } => {
            if !(1..=MAX_HOLD_MS).contains(max_hold_ms) {
                problem("max_hold_ms", format!("{max_hold_ms} ms is not between 1 ms and {MAX_HOLD_MS} ms"));
            }
        }
        FaultKind::Reset => {}
        FaultKind::SlowBody { bytes_per_sec, chunk_bytes } => {
            if *bytes_per_sec == 0 {
                problem("bytes_per_sec", "must be at least 1 byte per second".to_owned());
            }
            if !(1..=MAX_CHUNK_BYTES).contains(chunk_bytes) {
                problem("chunk_bytes", format!("{chunk_bytes} is not between 1 and {MAX_CHUNK_BYTES} bytes"));
            }
        }
        FaultKind::FailFirst { n, per, fault } => {
            if *n == 0 {
                problem("n", "must be at least 1: failing the first 0 requests does nothing".to_owned());
            }
            if let FailPer::IdempotencyKey { source: Some(source) } = per
                && let Err(message) = source.validate()
            {
                problem("per.source", message);
            }
            check_wrapped(fault, path, problems);
        }
        FaultKind::Probability { p, fault, .. } => {
            if !(0.0..=1.0).contains(p) {
                problem("p", format!("{p} is not a probability: use a number from 0 to 1, e.g. 0.3"));
            }
            check_wrapped(fault, path, problems);
        }
        FaultKind::Outage { window, fault } => {
            match *window {
                OutageWindow::Next { secs } => {
                    if secs == 0 || i64::try_from(secs).map_or(true, |s| s.saturating_mul(1_000) > MAX_WINDOW_MS) {
                        problem("window.secs", format!("{secs} s is not between 1 s and 30 days"));
                    }
                }
                OutageWindow::Between { start_at, end_at } => {
                    if end_at <= start_at {
                        problem("window.end_at", "the window must end after it starts".to_owned());
                    } else if end_at.saturating_sub(start_at) > MAX_WINDOW_MS {
                        problem("window.end_at", "the window is longer than 30 days".to_owned());
                    }
                }
            }
            check_wrapped(fault, path, problems);
        }
        FaultKind::ReceiverOff { .. } => {}
    }
}

/// What `fail_first`, `probability` and `outage` wrap must be a plain fault, not another wrapper.
fn check_wrapped(fault: &FaultKind, path: &str, problems: &mut Vec<Problem>) {
    let inner = format!("{path}.fault");
    match fault {
        FaultKind::FailFirst { .. }
        | FaultKind::Probability { .. }
        | FaultKind::Outage { .. }
        | FaultKind::ReceiverOff { .. } => {
            problems.push(Problem::new(
                inner,
                format!("'{}' can't be wrapped: use status, latency, timeout, reset or slow_body", fault.kind_name()),
            ));
        }
        _ => check(fault, &inner, problems),
    }
}
