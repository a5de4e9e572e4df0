//! Fault plans: each kind's decision, counting, seeded probability, windows, presets, composition.

#[path = "faults/kinds.rs"]
mod kinds;
#[path = "faults/plans.rs"]
mod plans;

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
