//! The ready-made plans the UI and CLI offer by id (`hookbench fault set ENDPOINT 503-2m`).

use serde::Serialize;
use utoipa::ToSchema;

use super::{FailPer, FaultKind, FaultPlan, OutageWindow, RetryAfter};
use crate::Timestamp;
use crate::response::Delay;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct FaultPreset {
    pub id: &'static str,
    pub label: &'static str,
    pub description: &'static str,
}

const PRESETS: &[FaultPreset] = &[
    FaultPreset {
        id: "down",
        label: "Down (connection refused)",
        description: "The receiver stops accepting connections until the plan is switched off.",
    },
    FaultPreset {
        id: "503-2m",
        label: "503 for 2 minutes",
        description: "Every request gets 503 Service Unavailable for 2 minutes, then the endpoint is healthy again.",
    },
    FaultPreset {
        id: "flaky-30",
        label: "Flaky 30%",
        description: "About 30% of requests get 503, drawn from a seeded sequence so the run can be replayed.",
    },
    FaultPreset { id: "slow-5s", label: "Slow 5 s", description: "Every answer comes 5 seconds late." },
    FaultPreset {
        id: "rate-limited",
        label: "Rate limited (429, Retry-After 30)",
        description: "Every request gets 429 Too Many Requests with Retry-After: 30.",
    },
    FaultPreset {
        id: "fail-3",
        label: "Fail 3 then succeed",
        description: "The next 3 requests get 503; after that requests pass.",
    },
];

/// Every preset, in the order the UI lists them.
pub fn presets() -> Vec<FaultPreset> {
    PRESETS.to_vec()
}

pub(super) fn build(id: &str, now: Timestamp) -> Option<FaultPlan> {
    let preset = PRESETS.iter().find(|p| p.id == id)?;
    let fault = match preset.id {
        "down" => FaultKind::ReceiverOff { until: None },
        "503-2m" => FaultKind::Outage {
            window: OutageWindow::Next { secs: 120 },
            fault: Box::new(FaultKind::status(503, "service unavailable")),
        },
        // The seed is the activation time: each activation is a new run, and the stored plan
        // carries the seed that replays it.
        "flaky-30" => FaultKind::Probability {
            p: 0.3,
            seed: now.unsigned_abs(),
            fault: Box::new(FaultKind::status(503, "service unavailable")),
        },
        "slow-5s" => FaultKind::Latency { distribution: Delay::Fixed { ms: 5_000 } },
        "rate-limited" => match FaultKind::status(429, "rate limited") {
            FaultKind::Status { status, headers, body, .. } => {
                FaultKind::Status { status, headers, body, retry_after: Some(RetryAfter::Seconds { secs: 30 }) }
            }
            other => other,
        },
        "fail-3" => FaultKind::FailFirst {
            n: 3,
            per: FailPer::Overall,
            fault: Box::new(FaultKind::status(503, "service unavailable")),
        },
        _ => return None,
    };
    Some(FaultPlan { id: preset.id.to_owned(), name: preset.label.to_owned(), enabled: true, activated_at: now, fault })
}
