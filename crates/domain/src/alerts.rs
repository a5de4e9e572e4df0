//! Alerts: thresholds a person sets, checked against the metrics of a window. Pure: the rules and the
//! figures in, the alerts that hold now out; the engine keeps which are active and says when one
//! fires or clears.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Timestamp;
use crate::metrics::Metrics;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertRules {
    /// Fire when a destination has more dead letters than this in the window (default 0).
    #[serde(default)]
    pub dead_letters_max: u64,
    /// Fire when more than this share (in %) of an endpoint's checked signatures fail (default 2).
    #[serde(default = "default_signature_pct")]
    pub signature_failure_pct: f64,
    /// Fire when a destination's p95 attempt latency is above this (default 5000 ms).
    #[serde(default = "default_p95")]
    pub p95_latency_ms: u64,
    /// Fire when more events than this wait for a retry (default 500).
    #[serde(default = "default_queue")]
    pub retry_queue_max: u64,
    /// The window the figures are taken over (default 15m; see `GET /api/metrics`).
    #[serde(default = "default_window")]
    pub window: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Also as a desktop notification (the desktop app).
    #[serde(default = "yes")]
    pub notify_desktop: bool,
}

fn default_signature_pct() -> f64 {
    2.0
}
fn default_p95() -> u64 {
    5_000
}
fn default_queue() -> u64 {
    500
}
fn default_window() -> String {
    "15m".into()
}
fn yes() -> bool {
    true
}

impl Default for AlertRules {
    fn default() -> Self {
        Self {
            dead_letters_max: 0,
            signature_failure_pct: default_signature_pct(),
            p95_latency_ms: default_p95(),
            retry_queue_max: default_queue(),
            window: default_window(),
            enabled: true,
            notify_desktop: true,
        }
    }
}

impl AlertRules {
    /// The rules with `patch` (a partial JSON object) applied and checked, each problem naming its field.
    pub fn patched(&self, patch: serde_json::Value) -> Result<AlertRules, Vec<String>> {
        let mut doc = serde_json::to_value(self).map_err(|e| vec![e.to_string()])?;
        let serde_json::Value::Object(fields) = patch else {
            return Err(vec!["rules: send a JSON object with the fields to change".into()]);
        };
        for (k, v) in fields {
            doc[k] = v;
        }
        let rules: AlertRules = serde_json::from_value(doc).map_err(|e| vec![format!("rules: {e}")])?;
        let mut problems = Vec::new();
        if !(rules.signature_failure_pct.is_finite() && (0.0..=100.0).contains(&rules.signature_failure_pct)) {
            problems.push(format!("signature_failure_pct: {} must be between 0 and 100", rules.signature_failure_pct));
        }
        if let Err(e) = crate::metrics::window(&rules.window) {
            problems.push(format!("window: {e}"));
        }
        if problems.is_empty() { Ok(rules) } else { Err(problems) }
    }
}

/// Where the events or captures behind an alert are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlertLink {
    /// `outbox` or `inbox`.
    pub view: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Alert {
    /// `kind:subject`, stable while the condition holds.
    pub id: String,
    /// `dead_letters`, `signature_failures`, `p95_latency` or `retry_queue`.
    pub kind: String,
    /// `destination:3`, `endpoint:2` or `outbox`.
    pub subject: String,
    pub subject_name: String,
    pub value: f64,
    pub threshold: f64,
    pub message: String,
    pub since: Timestamp,
    pub cleared_at: Option<Timestamp>,
    pub link: AlertLink,
}

fn alert(
    kind: &str,
    subject: String,
    name: &str,
    value: f64,
    threshold: f64,
    message: String,
    link: AlertLink,
) -> Alert {
    Alert {
        id: format!("{kind}:{subject}"),
        kind: kind.into(),
        subject,
        subject_name: name.into(),
        value,
        threshold,
        message,
        since: 0,
        cleared_at: None,
        link,
    }
}

/// The alerts whose condition holds in `m` (with `since` left 0: the engine sets it when one fires).
pub fn evaluate(rules: &AlertRules, m: &Metrics) -> Vec<Alert> {
    if !rules.enabled {
        return Vec::new();
    }
    let mut out = Vec::new();
    let span = rules.window.as_str();
    let link =
        |view: &str| AlertLink { view: view.into(), state: None, destination: None, endpoint: None, verdict: None };
    for d in &m.destinations {
        if d.dead_letters > rules.dead_letters_max {
            let message = format!(
                "{} dead letter{} for {} in the last {span} (more than {})",
                d.dead_letters,
                if d.dead_letters == 1 { "" } else { "s" },
                d.name,
                rules.dead_letters_max
            );
            let link = AlertLink { state: Some("dead".into()), destination: d.destination_id, ..link("outbox") };
            out.push(alert(
                "dead_letters",
                d.target_key.clone(),
                &d.name,
                d.dead_letters as f64,
                rules.dead_letters_max as f64,
                message,
                link,
            ));
        }
        if let Some(l) = d.latency_ms
            && l.p95 > rules.p95_latency_ms
        {
            let message = format!(
                "p95 latency of {} is {} ms in the last {span} (above {} ms)",
                d.name, l.p95, rules.p95_latency_ms
            );
            let link = AlertLink { destination: d.destination_id, ..link("outbox") };
            out.push(alert(
                "p95_latency",
                d.target_key.clone(),
                &d.name,
                l.p95 as f64,
                rules.p95_latency_ms as f64,
                message,
                link,
            ));
        }
    }
    for e in &m.endpoints {
        if let Some(rate) = e.signature_failure_rate
            && rate * 100.0 > rules.signature_failure_pct
        {
            let pct = rate * 100.0;
            let message = format!(
                "{pct:.1} % of signatures failed at {} in the last {span} (above {} %)",
                e.name, rules.signature_failure_pct
            );
            let link = AlertLink { endpoint: Some(e.endpoint_id), verdict: Some("invalid".into()), ..link("inbox") };
            let subject = format!("endpoint:{}", e.endpoint_id);
            out.push(alert("signature_failures", subject, &e.name, pct, rules.signature_failure_pct, message, link));
        }
    }
    if m.retry_queue > rules.retry_queue_max {
        let message = format!("{} events wait for a retry (more than {})", m.retry_queue, rules.retry_queue_max);
        let link = AlertLink { state: Some("retrying".into()), ..link("outbox") };
        out.push(alert(
            "retry_queue",
            "outbox".into(),
            "Outbox",
            m.retry_queue as f64,
            rules.retry_queue_max as f64,
            message,
            link,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{DestinationMetrics, EndpointMetrics, Latency};

    fn metrics(dead: u64, p95: u64, sig_rate: Option<f64>, queue: u64) -> Metrics {
        Metrics {
            window_ms: 900_000,
            now: 0,
            bucket_ms: 30_000,
            retry_queue: queue,
            destinations: vec![DestinationMetrics {
                target_key: "destination:3".into(),
                destination_id: Some(3),
                name: "billing".into(),
                events: 10,
                delivered: 9,
                dead,
                success_rate: Some(0.9),
                retry_rate: Some(0.1),
                dead_letters: dead,
                attempts: 12,
                attempts_per_min: 0.8,
                latency_ms: Some(Latency { p50: 10, p95, p99: p95 }),
                breaker: "closed".into(),
                series: Vec::new(),
            }],
            endpoints: vec![EndpointMetrics {
                endpoint_id: 2,
                name: "Stripe".into(),
                path_prefix: "/stripe".into(),
                requests: 100,
                requests_per_min: 6.6,
                signature_failure_rate: sig_rate,
                duplicate_rate: Some(0.0),
                faulted: 0,
                series: Vec::new(),
            }],
        }
    }

    #[test]
    fn the_defaults_fire_on_each_condition_and_only_then() {
        let rules = AlertRules::default();
        assert!(evaluate(&rules, &metrics(0, 100, Some(0.02), 500)).is_empty(), "at the thresholds nothing fires");
        let fired = evaluate(&rules, &metrics(1, 6_000, Some(0.03), 501));
        let kinds: Vec<&str> = fired.iter().map(|a| a.kind.as_str()).collect();
        assert_eq!(kinds, ["dead_letters", "p95_latency", "signature_failures", "retry_queue"]);
        assert_eq!(fired[0].id, "dead_letters:destination:3");
        assert_eq!(fired[0].message, "1 dead letter for billing in the last 15m (more than 0)");
        assert_eq!(
            fired[0].link,
            AlertLink {
                view: "outbox".into(),
                state: Some("dead".into()),
                destination: Some(3),
                endpoint: None,
                verdict: None
            }
        );
        assert_eq!(fired[2].link.verdict.as_deref(), Some("invalid"));
        let off = AlertRules { enabled: false, ..AlertRules::default() };
        assert!(evaluate(&off, &metrics(5, 9_000, Some(0.5), 900)).is_empty());
    }

    #[test]
    fn a_patch_changes_named_fields_and_is_checked() {
        let rules = AlertRules::default();
        let p = rules.patched(serde_json::json!({"dead_letters_max": 3, "window": "1h"})).unwrap();
        assert_eq!((p.dead_letters_max, p.window.as_str(), p.p95_latency_ms), (3, "1h", 5_000));
        let err = rules.patched(serde_json::json!({"signature_failure_pct": 150, "window": "2d"})).unwrap_err();
        assert_eq!(err.len(), 2, "{err:?}");
        assert!(rules.patched(serde_json::json!({"dead_leters_max": 3})).is_err(), "a typo is refused");
    }
}
