//! The dashboard's figures over a window (`metrics`), a Prometheus rendering of them, the store's
//! size, and retention (the oldest captures beyond the limits go, every minute and after a change).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use hookbench_domain::metrics::{Metrics, Storage, TargetInfo, destinations, endpoints, window};

use crate::{Engine, EngineError};

/// Captures deleted per transaction by retention, so other writes are not held up.
const PRUNE_CHUNK: u64 = 5_000;

impl Engine {
    /// The figures of the window named `name` (`5m` … `7d`) ending now.
    pub async fn metrics(&self, name: &str) -> Result<Metrics, EngineError> {
        let (window_ms, bucket_ms) = window(name).map_err(|e| EngineError::Invalid(vec![format!("window: {e}")]))?;
        self.metrics_for(window_ms, bucket_ms).await
    }

    pub(crate) async fn metrics_for(&self, window_ms: i64, bucket_ms: i64) -> Result<Metrics, EngineError> {
        let now = self.now_ms();
        // Buckets end at `now` rounded up to a bucket, so the last one is the current one.
        let end = (now.div_euclid(bucket_ms) + 1) * bucket_ms;
        let start = end - window_ms;
        let rows = self.store.window_rows(start, end, bucket_ms).await?;
        let phases = self.outbound.breaker_phases();
        let mut targets: BTreeMap<String, (Option<i64>, TargetInfo)> = BTreeMap::new();
        for d in self.list_destinations().await? {
            let key = format!("destination:{}", d.id);
            let breaker = phases.get(&key).copied().unwrap_or("closed").to_owned();
            targets.insert(key, (Some(d.id), TargetInfo { name: d.name, breaker, events: 0 }));
        }
        for (key, destination_id, count) in &rows.first_attempts {
            let entry = targets.entry(key.clone()).or_insert_with(|| {
                let breaker = phases.get(key).copied().unwrap_or("closed").to_owned();
                (*destination_id, TargetInfo { name: key.clone(), breaker, events: 0 })
            });
            entry.1.events += count;
        }
        let routing = self.routing_snapshot();
        let eps: Vec<(i64, String, String)> =
            routing.endpoints.iter().map(|e| (e.id, e.name.clone(), e.path_prefix.clone())).collect();
        Ok(Metrics {
            window_ms,
            now,
            bucket_ms,
            retry_queue: rows.retry_queue,
            destinations: destinations(start, window_ms, bucket_ms, &rows.attempts, &rows.finished, &targets),
            endpoints: endpoints(start, window_ms, bucket_ms, &rows.captures, &eps),
        })
    }

    /// The last hour's figures in Prometheus' text format.
    pub async fn prometheus(&self) -> Result<String, EngineError> {
        let m = self.metrics("1h").await?;
        let mut out = String::new();
        let label = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        let mut family = |name: &str, kind: &str, help: &str, lines: Vec<String>| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for l in lines {
                let _ = writeln!(out, "{l}");
            }
        };
        let per_endpoint = |f: &dyn Fn(&hookbench_domain::metrics::EndpointMetrics) -> String, name: &str| {
            m.endpoints.iter().map(|e| format!("{name}{{endpoint=\"{}\"}} {}", label(&e.name), f(e))).collect()
        };
        family(
            "hookbench_captures_last_hour",
            "gauge",
            "Requests captured in the last hour.",
            per_endpoint(&|e| e.requests.to_string(), "hookbench_captures_last_hour"),
        );
        family(
            "hookbench_signature_failures_last_hour",
            "gauge",
            "Captures whose signature was invalid in the last hour.",
            per_endpoint(
                &|e| e.series.iter().map(|p| p.signature_failures).sum::<u64>().to_string(),
                "hookbench_signature_failures_last_hour",
            ),
        );
        family(
            "hookbench_duplicates_last_hour",
            "gauge",
            "Duplicate captures in the last hour.",
            per_endpoint(
                &|e| e.series.iter().map(|p| p.duplicates).sum::<u64>().to_string(),
                "hookbench_duplicates_last_hour",
            ),
        );
        let dest = |d: &hookbench_domain::metrics::DestinationMetrics| label(&d.name);
        family(
            "hookbench_events_finished_last_hour",
            "gauge",
            "Events that reached a final state in the last hour.",
            m.destinations
                .iter()
                .flat_map(|d| {
                    [
                        format!(
                            "hookbench_events_finished_last_hour{{destination=\"{}\",state=\"delivered\"}} {}",
                            dest(d),
                            d.delivered
                        ),
                        format!(
                            "hookbench_events_finished_last_hour{{destination=\"{}\",state=\"dead\"}} {}",
                            dest(d),
                            d.dead
                        ),
                    ]
                })
                .collect(),
        );
        family(
            "hookbench_attempts_last_hour",
            "gauge",
            "Delivery attempts in the last hour.",
            m.destinations
                .iter()
                .flat_map(|d| {
                    let failures: u64 = d.series.iter().map(|p| p.failures).sum();
                    [
                        format!(
                            "hookbench_attempts_last_hour{{destination=\"{}\",outcome=\"success\"}} {}",
                            dest(d),
                            d.attempts - failures
                        ),
                        format!(
                            "hookbench_attempts_last_hour{{destination=\"{}\",outcome=\"failure\"}} {failures}",
                            dest(d)
                        ),
                    ]
                })
                .collect(),
        );
        family(
            "hookbench_attempt_latency_ms",
            "gauge",
            "Attempt latency quantiles over the last hour (attempts that got a response).",
            m.destinations
                .iter()
                .filter_map(|d| d.latency_ms.map(|l| (d, l)))
                .flat_map(|(d, l)| {
                    [("0.5", l.p50), ("0.95", l.p95), ("0.99", l.p99)].map(|(q, v)| {
                        format!("hookbench_attempt_latency_ms{{destination=\"{}\",quantile=\"{q}\"}} {v}", dest(d))
                    })
                })
                .collect(),
        );
        family(
            "hookbench_retry_queue",
            "gauge",
            "Events waiting for a retry.",
            vec![format!("hookbench_retry_queue {}", m.retry_queue)],
        );
        family(
            "hookbench_breaker_open",
            "gauge",
            "1 while a destination's circuit is open or half-open.",
            m.destinations
                .iter()
                .map(|d| {
                    format!("hookbench_breaker_open{{destination=\"{}\"}} {}", dest(d), u8::from(d.breaker != "closed"))
                })
                .collect(),
        );
        Ok(out)
    }

    pub async fn storage(&self) -> Result<Storage, EngineError> {
        Ok(self.store.storage().await?)
    }

    /// Deletes the captures beyond the retention settings, a chunk at a time; returns how many went.
    pub async fn apply_retention(&self) -> Result<u64, EngineError> {
        let retention = self.settings().retention;
        if retention.max_captures.is_none() && retention.max_age_days.is_none() {
            return Ok(0);
        }
        let cutoff = retention.max_age_days.map(|d| self.now_ms() - i64::from(d) * 86_400_000);
        let mut total = 0;
        loop {
            let deleted = self.store.prune_captures(retention.max_captures, cutoff, PRUNE_CHUNK).await?;
            total += deleted;
            if deleted < PRUNE_CHUNK {
                break;
            }
        }
        if total > 0 {
            tracing::info!(deleted = total, "retention: old captures deleted");
            self.bus.publish(crate::LiveEvent::CapturesPruned { deleted: total });
        }
        Ok(total)
    }
}
