//! Alerts: the rules (stored), the alerts active now and the recently cleared ones (in memory:
//! recomputed after a restart). Every 5 s of engine clock the metrics of the rules' window are
//! checked; an alert that starts to hold fires (`alert.fired`), one that stops clears (`alert.cleared`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Weak};

use hookbench_domain::alerts::{Alert, AlertRules, evaluate};
use hookbench_domain::metrics::window;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{Engine, EngineError, LiveEvent};

/// How often the rules are checked (engine clock).
pub const EVALUATE_EVERY_MS: i64 = 5_000;
const RECENT: usize = 50;
const KEY: &str = "alerts";

#[derive(Default)]
pub(crate) struct AlertState {
    rules: AlertRules,
    active: HashMap<String, Alert>,
    recent: VecDeque<Alert>,
}

/// `GET /api/alerts`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertsView {
    pub rules: AlertRules,
    /// Oldest first.
    pub active: Vec<Alert>,
    /// The last 50 cleared, newest first.
    pub recent: Vec<Alert>,
}

impl Engine {
    fn alert_state(&self) -> std::sync::MutexGuard<'_, AlertState> {
        self.alerts.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn alerts(&self) -> AlertsView {
        let state = self.alert_state();
        let mut active: Vec<Alert> = state.active.values().cloned().collect();
        active.sort_by(|a, b| (a.since, &a.id).cmp(&(b.since, &b.id)));
        AlertsView { rules: state.rules.clone(), active, recent: state.recent.iter().cloned().collect() }
    }

    /// Changes the rules (a partial object), saves them and checks them at once.
    pub async fn update_alert_rules(&self, patch: serde_json::Value) -> Result<AlertRules, EngineError> {
        let rules = self.alert_state().rules.patched(patch).map_err(EngineError::Invalid)?;
        let doc = serde_json::to_value(&rules).map_err(|e| EngineError::Invalid(vec![e.to_string()]))?;
        self.store.save_doc(KEY, doc, self.now_ms()).await?;
        self.alert_state().rules = rules.clone();
        self.evaluate_alerts().await?;
        Ok(rules)
    }

    pub(crate) async fn load_alert_rules(&self) -> Result<(), EngineError> {
        let rules = match self.store.load_doc(KEY).await? {
            Some(doc) => serde_json::from_value(doc).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "stored alert rules are unreadable; using the defaults");
                AlertRules::default()
            }),
            None => AlertRules::default(),
        };
        self.alert_state().rules = rules;
        Ok(())
    }

    /// Checks the rules now: fires the alerts that start to hold, clears those that stopped.
    pub async fn evaluate_alerts(&self) -> Result<(), EngineError> {
        let rules = self.alert_state().rules.clone();
        let (window_ms, bucket_ms) = window(&rules.window).unwrap_or((900_000, 30_000));
        let metrics = self.metrics_for(window_ms, bucket_ms).await?;
        let holding = evaluate(&rules, &metrics);
        let now = self.now_ms();
        let (fired, cleared) = {
            let mut state = self.alert_state();
            let mut fired = Vec::new();
            let mut still = HashMap::new();
            for mut alert in holding {
                match state.active.remove(&alert.id) {
                    Some(previous) => alert.since = previous.since,
                    None => {
                        alert.since = now;
                        fired.push(alert.clone());
                    }
                }
                still.insert(alert.id.clone(), alert);
            }
            let mut cleared: Vec<Alert> = std::mem::replace(&mut state.active, still).into_values().collect();
            for alert in &mut cleared {
                alert.cleared_at = Some(now);
                state.recent.push_front(alert.clone());
            }
            state.recent.truncate(RECENT);
            (fired, cleared)
        };
        for alert in fired {
            tracing::info!(alert = %alert.id, "{}", alert.message);
            self.bus.publish(LiveEvent::AlertFired(alert));
        }
        for alert in cleared {
            self.bus.publish(LiveEvent::AlertCleared(alert));
        }
        Ok(())
    }

    /// The background loop: alerts every 5 s, retention every minute, on the engine's timer.
    pub(crate) fn spawn_watch(self: &Arc<Self>) {
        let weak: Weak<Engine> = Arc::downgrade(self);
        let timer = self.outbound.timer().clone();
        tokio::spawn(async move {
            let mut ticks: u64 = 0;
            loop {
                let Some(engine) = weak.upgrade() else { return };
                if let Err(e) = engine.evaluate_alerts().await {
                    tracing::warn!(error = %e, "cannot check the alert rules");
                }
                if ticks.is_multiple_of(12)
                    && let Err(e) = engine.apply_retention().await
                {
                    tracing::warn!(error = %e, "cannot apply retention");
                }
                ticks += 1;
                let next = engine.now_ms() + EVALUATE_EVERY_MS;
                drop(engine);
                timer.sleep_until(next).await;
            }
        });
    }
}
