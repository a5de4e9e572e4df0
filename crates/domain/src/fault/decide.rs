//! The decision: which fault plans apply to this request, and what the receiver does about it.
//!
//! How plans combine. Every live plan is evaluated for every request, in order, whatever the others
//! decide — so a plan's counts and random draws never depend on the other plans, and a seeded run
//! replays the same way. Each evaluated plan yields nothing, a *modifier* (latency, slow body) or a
//! *terminal* fault (status, timeout, reset, refuse). Then:
//! 1. `receiver_off` wins over everything: a listener that is off never sees the request.
//! 2. Otherwise the first terminal fault in plan order wins; later terminal faults are dropped and
//!    not recorded.
//! 3. Modifiers add up: latencies are summed (capped at `MAX_DELAY_MS`) and delay the answer, or the
//!    reset; the first slow body sets the trickle. A hold (timeout) ignores them.
//! 4. With no terminal fault the request passes to the response rules, still carrying the modifiers.

use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::state::PlanState;
use super::{FailPer, FaultKind, FaultPlan, FaultState};
use crate::Timestamp;
use crate::response::{MAX_DELAY_MS, RequestView, ResponseHeader};

/// The longest a `timeout` fault holds a request: ten minutes.
pub const MAX_HOLD_MS: u64 = 600_000;

/// What `decide` looks at.
#[derive(Debug, Clone, Copy)]
pub struct FaultRequest<'a> {
    pub request: RequestView<'a>,
    /// The key the endpoint's duplicate detection found, if it has one and found one.
    pub idempotency_key: Option<&'a str>,
}

/// How to trickle a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Trickle {
    pub bytes_per_sec: u32,
    pub chunk_bytes: u32,
}

/// What the receiver does with the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultAction {
    /// No terminal fault: answer from the response rules, `delay_ms` later (added to the rule's own
    /// delay) and trickled if asked.
    Pass { delay_ms: u64, trickle: Option<Trickle> },
    /// Answer this instead of the response rules.
    Respond { status: u16, headers: Vec<ResponseHeader>, body: String, delay_ms: u64, trickle: Option<Trickle> },
    /// Keep the connection open without answering until the client leaves or `ms` pass, then close it.
    Hold { ms: u64 },
    /// Reset the connection with no response, `delay_ms` after the request was read.
    Reset { delay_ms: u64 },
    /// Refuse the connection: the listener is off.
    Refuse,
}

impl FaultAction {
    /// Whether the client gets an HTTP response at all.
    pub fn answers(&self) -> bool {
        matches!(self, FaultAction::Pass { .. } | FaultAction::Respond { .. })
    }
}

/// One plan that shaped the outcome, for the capture record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppliedFault {
    pub plan_id: String,
    pub plan_name: String,
    /// The plan's kind (`outage`, `fail_first`, …).
    pub kind: String,
    /// A sentence: `503 from plan 'Outage', 37 s left`.
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FaultDecision {
    pub action: FaultAction,
    /// The plans that took effect, in plan order; empty when none did.
    pub applied: Vec<AppliedFault>,
}

/// What one plan does to one request.
enum Effect {
    Delay(u64),
    Trickle(Trickle),
    Terminal(FaultAction),
}

struct Evaluated {
    effect: Effect,
    what: String,
    notes: Vec<String>,
}

/// Decides what `req` gets from the live `plans` (see the module doc for how they combine), counting
/// and drawing in `state`. Forgets state of plans no longer in `plans`.
pub fn decide(plans: &[FaultPlan], state: &mut FaultState, req: &FaultRequest<'_>, now: Timestamp) -> FaultDecision {
    state.retain(plans);
    let mut delay_ms: u64 = 0;
    let mut trickle = None;
    // (plan index, record, role) of every plan that had an effect; filtered once the outcome is known.
    let mut effects: Vec<(usize, AppliedFault, Role)> = Vec::new();
    let mut terminal: Option<(usize, FaultAction)> = None;
    for (index, plan) in plans.iter().enumerate().filter(|(_, p)| p.is_live(now)) {
        let plan_state = state.for_plan(plan);
        let Some(evaluated) = evaluate(&plan.fault, plan, plan_state, req, now) else { continue };
        let mut description = format!("{} from plan '{}'", evaluated.what, plan.name);
        for note in &evaluated.notes {
            description.push_str(", ");
            description.push_str(note);
        }
        let applied = AppliedFault {
            plan_id: plan.id.clone(),
            plan_name: plan.name.clone(),
            kind: plan.fault.kind_name().to_owned(),
            description,
        };
        let role = match evaluated.effect {
            Effect::Delay(ms) => {
                delay_ms = delay_ms.saturating_add(ms).min(MAX_DELAY_MS);
                Role::Delay
            }
            Effect::Trickle(t) => {
                trickle = trickle.or(Some(t));
                Role::Trickle
            }
            Effect::Terminal(action) => {
                let refuses = matches!(action, FaultAction::Refuse);
                let held_refuses = matches!(terminal, Some((_, FaultAction::Refuse)));
                if terminal.is_none() || (refuses && !held_refuses) {
                    terminal = Some((index, action));
                }
                Role::Terminal
            }
        };
        effects.push((index, applied, role));
    }
    let (action, chosen) = match terminal {
        None => (FaultAction::Pass { delay_ms, trickle }, None),
        Some((i, FaultAction::Respond { status, headers, body, .. })) => {
            (FaultAction::Respond { status, headers, body, delay_ms, trickle }, Some(i))
        }
        Some((i, FaultAction::Reset { .. })) => (FaultAction::Reset { delay_ms }, Some(i)),
        Some((i, action)) => (action, Some(i)),
    };
    let counts = |role: &Role, index: usize| match role {
        Role::Terminal => chosen == Some(index),
        Role::Delay => !matches!(action, FaultAction::Hold { .. } | FaultAction::Refuse),
        Role::Trickle => action.answers(),
    };
    let applied = effects.into_iter().filter(|(i, _, role)| counts(role, *i)).map(|(_, a, _)| a).collect();
    FaultDecision { action, applied }
}

enum Role {
    Delay,
    Trickle,
    Terminal,
}

/// The plan that refuses connections now, if any: the listener asks this before accepting, since a
/// refused connection never becomes a request `decide` could see.
pub fn refusing(plans: &[FaultPlan], now: Timestamp) -> Option<&FaultPlan> {
    plans.iter().find(|p| p.is_live(now) && matches!(p.fault, FaultKind::ReceiverOff { .. }))
}

fn evaluate(
    kind: &FaultKind,
    plan: &FaultPlan,
    state: &mut PlanState,
    req: &FaultRequest<'_>,
    now: Timestamp,
) -> Option<Evaluated> {
    let done = |effect, what: String| Some(Evaluated { effect, what, notes: Vec::new() });
    let time_left = |end: Option<Timestamp>| {
        end.map(|end| format!("{} s left", u64::try_from(end.saturating_sub(now)).unwrap_or(0).div_ceil(1_000)))
    };
    match kind {
        FaultKind::Status { status, headers, body, retry_after } => {
            let mut headers = headers.clone();
            let mut what = status.to_string();
            if let Some(retry_after) = retry_after {
                let value = retry_after.header_value(now);
                what = format!("{status} with Retry-After: {value}");
                headers.retain(|h| !h.name.eq_ignore_ascii_case("Retry-After"));
                headers.push(ResponseHeader::new("Retry-After", value));
            }
            let action =
                FaultAction::Respond { status: *status, headers, body: body.clone(), delay_ms: 0, trickle: None };
            done(Effect::Terminal(action), what)
        }
        FaultKind::Latency { distribution } => {
            let ms = distribution.sample_ms(&mut state.rng);
            done(Effect::Delay(ms), format!("+{ms} ms latency"))
        }
        FaultKind::Timeout { max_hold_ms } => {
            let ms = (*max_hold_ms).min(MAX_HOLD_MS);
            done(Effect::Terminal(FaultAction::Hold { ms }), format!("held open with no answer (up to {ms} ms)"))
        }
        FaultKind::Reset => {
            done(Effect::Terminal(FaultAction::Reset { delay_ms: 0 }), "connection reset, no response".to_owned())
        }
        FaultKind::SlowBody { bytes_per_sec, chunk_bytes } => {
            let trickle = Trickle { bytes_per_sec: (*bytes_per_sec).max(1), chunk_bytes: (*chunk_bytes).max(1) };
            done(Effect::Trickle(trickle), format!("body trickled at {} B/s", trickle.bytes_per_sec))
        }
        FaultKind::ReceiverOff { until } => {
            let mut evaluated = done(Effect::Terminal(FaultAction::Refuse), "connection refused".to_owned())?;
            evaluated.notes.extend(time_left(*until));
            Some(evaluated)
        }
        FaultKind::FailFirst { n, per, fault } => {
            let key = match per {
                FailPer::Overall => None,
                FailPer::IdempotencyKey { source } => Some(
                    match source {
                        Some(source) => source.key_of(req.request.headers, Some(req.request.body)),
                        None => req.idempotency_key.map(str::to_owned),
                    }
                    .unwrap_or_default(),
                ),
            };
            let note_key =
                key.as_ref().map(|k| if k.is_empty() { " (no key)".to_owned() } else { format!(" for key '{k}'") });
            let number = state.count(key, *n)?;
            let mut evaluated = evaluate(fault, plan, state, req, now)?;
            evaluated.notes.push(format!("request {number} of the first {n}{}", note_key.unwrap_or_default()));
            Some(evaluated)
        }
        FaultKind::Probability { p, fault, .. } => {
            let draw: f64 = state.rng.random();
            // Not `draw >= p`: a NaN `p` (only reachable from Rust, JSON has none) must never hit.
            if draw.partial_cmp(p) != Some(std::cmp::Ordering::Less) {
                return None;
            }
            let mut evaluated = evaluate(fault, plan, state, req, now)?;
            evaluated.notes.push(format!("drawn {draw:.3} < p {p}"));
            Some(evaluated)
        }
        FaultKind::Outage { window, fault } => {
            let (start, end) = window.bounds(plan.activated_at);
            if now < start || now >= end {
                return None;
            }
            let mut evaluated = evaluate(fault, plan, state, req, now)?;
            evaluated.notes.extend(time_left(Some(end)));
            Some(evaluated)
        }
    }
}
