//! Delivery and capture health over a window: the figures and per-bucket series the dashboard draws,
//! and the alert rules checked against them. Pure: rows in, figures out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Timestamp;

/// A window and the bucket its series uses: 5m→10 s, 15m→30 s, 1h→1 min, 6h→5 min, 24h→15 min, 7d→2 h.
pub const WINDOWS: &[(&str, i64, i64)] = &[
    ("5m", 300_000, 10_000),
    ("15m", 900_000, 30_000),
    ("1h", 3_600_000, 60_000),
    ("6h", 21_600_000, 300_000),
    ("24h", 86_400_000, 900_000),
    ("7d", 604_800_000, 7_200_000),
];

/// `(window_ms, bucket_ms)` of a window name, or an error listing the names.
pub fn window(name: &str) -> Result<(i64, i64), String> {
    WINDOWS.iter().find(|(n, _, _)| *n == name).map(|(_, w, b)| (*w, *b)).ok_or_else(|| {
        let names: Vec<&str> = WINDOWS.iter().map(|(n, _, _)| *n).collect();
        format!("window '{name}' is not one of {}", names.join(", "))
    })
}

/// One attempt as the metrics read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRow {
    pub target_key: String,
    pub destination_id: Option<i64>,
    pub started_at: Timestamp,
    pub duration_ms: Option<u64>,
    /// `None`: no HTTP response.
    pub status: Option<u16>,
    /// The attempt delivered its event.
    pub delivered: bool,
}

/// One event that reached a final state in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedEventRow {
    pub target_key: String,
    pub destination_id: Option<i64>,
    pub delivered: bool,
    pub attempts: u32,
}

/// Captures of one endpoint in one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CaptureBucketRow {
    pub endpoint_id: i64,
    pub bucket: i64,
    pub requests: u64,
    pub checked: u64,
    pub signature_failures: u64,
    pub duplicates: u64,
    pub faulted: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Latency {
    pub p50: u64,
    pub p95: u64,
    pub p99: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DestinationPoint {
    pub t: Timestamp,
    pub attempts: u64,
    pub failures: u64,
    pub delivered: u64,
    pub p95_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DestinationMetrics {
    pub target_key: String,
    pub destination_id: Option<i64>,
    pub name: String,
    /// Events whose first attempt fell in the window.
    pub events: u64,
    pub delivered: u64,
    pub dead: u64,
    /// delivered / (delivered + dead) over events finished in the window.
    pub success_rate: Option<f64>,
    /// Share of those events that needed more than one attempt.
    pub retry_rate: Option<f64>,
    pub dead_letters: u64,
    pub attempts: u64,
    pub attempts_per_min: f64,
    /// Of attempts that got a response.
    pub latency_ms: Option<Latency>,
    /// closed, open or half_open.
    pub breaker: String,
    pub series: Vec<DestinationPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EndpointPoint {
    pub t: Timestamp,
    pub requests: u64,
    pub signature_failures: u64,
    pub duplicates: u64,
    pub faulted: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EndpointMetrics {
    pub endpoint_id: i64,
    pub name: String,
    pub path_prefix: String,
    pub requests: u64,
    pub requests_per_min: f64,
    /// invalid / checked; `null` when nothing was checked.
    pub signature_failure_rate: Option<f64>,
    pub duplicate_rate: Option<f64>,
    pub faulted: u64,
    pub series: Vec<EndpointPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Metrics {
    pub window_ms: i64,
    pub now: Timestamp,
    pub bucket_ms: i64,
    /// Events waiting for a retry.
    pub retry_queue: u64,
    pub destinations: Vec<DestinationMetrics>,
    pub endpoints: Vec<EndpointMetrics>,
}

/// How much room the data takes (`GET /api/storage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Storage {
    pub db_bytes: u64,
    pub wal_bytes: u64,
    pub captures: u64,
    pub events: u64,
    /// Bytes of captured bodies received (what the captures' sizes add up to).
    pub body_bytes: u64,
    pub oldest_capture_at: Option<Timestamp>,
}

/// The value at quantile `q` (0–1) of sorted values, nearest rank.
pub fn quantile(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

fn latency(mut durations: Vec<u64>) -> Option<Latency> {
    durations.sort_unstable();
    Some(Latency {
        p50: quantile(&durations, 0.5)?,
        p95: quantile(&durations, 0.95)?,
        p99: quantile(&durations, 0.99)?,
    })
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// What is known about a target besides its rows: its name and breaker.
#[derive(Debug, Clone, Default)]
pub struct TargetInfo {
    pub name: String,
    pub breaker: String,
    /// Events whose first attempt fell in the window.
    pub events: u64,
}

/// The per-destination figures. `start` is the window's start, aligned to the bucket.
pub fn destinations(
    start: Timestamp,
    window_ms: i64,
    bucket_ms: i64,
    attempts: &[AttemptRow],
    finished: &[FinishedEventRow],
    targets: &BTreeMap<String, (Option<i64>, TargetInfo)>,
) -> Vec<DestinationMetrics> {
    let buckets = (window_ms / bucket_ms).max(1) as usize;
    let mut keys: Vec<String> = targets.keys().cloned().collect();
    for key in attempts.iter().map(|a| &a.target_key).chain(finished.iter().map(|f| &f.target_key)) {
        if !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    keys.sort();
    keys.into_iter()
        .map(|key| {
            let (destination_id, info) = targets.get(&key).cloned().unwrap_or_else(|| {
                let id = attempts.iter().find(|a| a.target_key == key).and_then(|a| a.destination_id);
                (id, TargetInfo { name: key.clone(), breaker: "closed".into(), events: 0 })
            });
            let mine: Vec<&AttemptRow> = attempts.iter().filter(|a| a.target_key == key).collect();
            let done: Vec<&FinishedEventRow> = finished.iter().filter(|f| f.target_key == key).collect();
            let delivered = done.iter().filter(|f| f.delivered).count() as u64;
            let dead = done.len() as u64 - delivered;
            let retried = done.iter().filter(|f| f.attempts > 1).count() as u64;
            let mut series: Vec<(u64, u64, u64, Vec<u64>)> = vec![(0, 0, 0, Vec::new()); buckets];
            for a in &mine {
                let i = ((a.started_at - start).max(0) / bucket_ms) as usize;
                let Some(slot) = series.get_mut(i.min(buckets - 1)) else { continue };
                slot.0 += 1;
                if !a.status.is_some_and(|s| (200..300).contains(&s)) {
                    slot.1 += 1;
                }
                if a.delivered {
                    slot.2 += 1;
                }
                if let (Some(_), Some(d)) = (a.status, a.duration_ms) {
                    slot.3.push(d);
                }
            }
            let durations: Vec<u64> =
                mine.iter().filter(|a| a.status.is_some()).filter_map(|a| a.duration_ms).collect();
            DestinationMetrics {
                target_key: key.clone(),
                destination_id,
                name: info.name,
                events: info.events,
                delivered,
                dead,
                success_rate: ratio(delivered, delivered + dead),
                retry_rate: ratio(retried, done.len() as u64),
                dead_letters: dead,
                attempts: mine.len() as u64,
                attempts_per_min: mine.len() as f64 * 60_000.0 / window_ms as f64,
                latency_ms: latency(durations),
                breaker: info.breaker,
                series: series
                    .into_iter()
                    .enumerate()
                    .map(|(i, (attempts, failures, delivered, mut d))| {
                        d.sort_unstable();
                        DestinationPoint {
                            t: start + i as i64 * bucket_ms,
                            attempts,
                            failures,
                            delivered,
                            p95_ms: quantile(&d, 0.95),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The per-endpoint figures from per-bucket rows. `endpoints`: id, name, prefix of every endpoint.
pub fn endpoints(
    start: Timestamp,
    window_ms: i64,
    bucket_ms: i64,
    rows: &[CaptureBucketRow],
    endpoints: &[(i64, String, String)],
) -> Vec<EndpointMetrics> {
    let buckets = (window_ms / bucket_ms).max(1) as usize;
    endpoints
        .iter()
        .map(|(id, name, prefix)| {
            let mine: Vec<&CaptureBucketRow> = rows.iter().filter(|r| r.endpoint_id == *id).collect();
            let sum = |f: fn(&CaptureBucketRow) -> u64| mine.iter().map(|r| f(r)).sum::<u64>();
            let requests = sum(|r| r.requests);
            let checked = sum(|r| r.checked);
            let series = (0..buckets)
                .map(|i| {
                    let at = mine.iter().filter(|r| r.bucket.clamp(0, buckets as i64 - 1) == i as i64);
                    let mut p = EndpointPoint {
                        t: start + i as i64 * bucket_ms,
                        requests: 0,
                        signature_failures: 0,
                        duplicates: 0,
                        faulted: 0,
                    };
                    for r in at {
                        p.requests += r.requests;
                        p.signature_failures += r.signature_failures;
                        p.duplicates += r.duplicates;
                        p.faulted += r.faulted;
                    }
                    p
                })
                .collect();
            EndpointMetrics {
                endpoint_id: *id,
                name: name.clone(),
                path_prefix: prefix.clone(),
                requests,
                requests_per_min: requests as f64 * 60_000.0 / window_ms as f64,
                signature_failure_rate: ratio(sum(|r| r.signature_failures), checked),
                duplicate_rate: ratio(sum(|r| r.duplicates), requests),
                faulted: sum(|r| r.faulted),
                series,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(at: i64, ms: u64, status: Option<u16>, delivered: bool) -> AttemptRow {
        AttemptRow {
            target_key: "destination:1".into(),
            destination_id: Some(1),
            started_at: at,
            duration_ms: Some(ms),
            status,
            delivered,
        }
    }

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!((quantile(&v, 0.5), quantile(&v, 0.95), quantile(&v, 0.99)), (Some(50), Some(95), Some(99)));
        assert_eq!(quantile(&[7], 0.99), Some(7));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn destination_figures_and_series_from_fixed_rows() {
        let attempts = vec![
            attempt(0, 10, Some(503), false),
            attempt(30_000, 20, Some(200), true),
            attempt(61_000, 1000, None, false),
            attempt(119_000, 40, Some(200), true),
        ];
        let finished = vec![
            FinishedEventRow {
                target_key: "destination:1".into(),
                destination_id: Some(1),
                delivered: true,
                attempts: 2,
            },
            FinishedEventRow {
                target_key: "destination:1".into(),
                destination_id: Some(1),
                delivered: true,
                attempts: 1,
            },
            FinishedEventRow {
                target_key: "destination:1".into(),
                destination_id: Some(1),
                delivered: false,
                attempts: 5,
            },
        ];
        let mut targets = BTreeMap::new();
        let info = TargetInfo { name: "billing".into(), breaker: "open".into(), events: 3 };
        targets.insert("destination:1".to_owned(), (Some(1), info));
        let m = destinations(0, 120_000, 60_000, &attempts, &finished, &targets);
        assert_eq!(m.len(), 1);
        let d = &m[0];
        assert_eq!((d.name.as_str(), d.breaker.as_str(), d.events), ("billing", "open", 3));
        assert_eq!((d.delivered, d.dead, d.dead_letters, d.attempts), (2, 1, 1, 4));
        assert_eq!(d.success_rate, Some(2.0 / 3.0));
        assert_eq!(d.retry_rate, Some(2.0 / 3.0));
        assert_eq!(d.attempts_per_min, 2.0);
        assert_eq!(d.latency_ms, Some(Latency { p50: 20, p95: 40, p99: 40 }), "only attempts with a response");
        assert_eq!(d.series.len(), 2, "every bucket is present");
        assert_eq!((d.series[0].attempts, d.series[0].failures, d.series[0].delivered), (2, 1, 1));
        assert_eq!((d.series[1].t, d.series[1].attempts, d.series[1].failures), (60_000, 2, 1));
        assert_eq!(d.series[1].p95_ms, Some(40));
    }

    #[test]
    fn endpoint_rates_and_empty_buckets() {
        let rows = vec![
            CaptureBucketRow {
                endpoint_id: 2,
                bucket: 0,
                requests: 10,
                checked: 10,
                signature_failures: 1,
                duplicates: 2,
                faulted: 3,
            },
            CaptureBucketRow {
                endpoint_id: 2,
                bucket: 2,
                requests: 30,
                checked: 30,
                signature_failures: 3,
                duplicates: 0,
                faulted: 0,
            },
        ];
        let eps = vec![(1, "Default".to_owned(), String::new()), (2, "Stripe".to_owned(), "/stripe".to_owned())];
        let m = endpoints(0, 180_000, 60_000, &rows, &eps);
        assert_eq!(m[0].requests, 0);
        assert_eq!((m[0].signature_failure_rate, m[0].duplicate_rate), (None, None));
        let s = &m[1];
        assert_eq!((s.requests, s.faulted), (40, 3));
        assert_eq!(s.signature_failure_rate, Some(0.1));
        assert_eq!(s.duplicate_rate, Some(0.05));
        assert_eq!(s.series.iter().map(|p| p.requests).collect::<Vec<_>>(), [10, 0, 30]);
        assert!(window("2d").unwrap_err().contains("5m, 15m, 1h"));
        assert_eq!(window("1h"), Ok((3_600_000, 60_000)));
    }
}
