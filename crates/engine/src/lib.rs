//! Hookbench's engine: the inbound capture pipeline and the live event bus, over the store.

mod alerts;
mod batch;
mod bus;
pub mod consume;
mod endpoints;
mod error;
mod exchange;
mod faults;
mod forward;
mod inbound;
mod metrics;
mod outbound;
mod replay;
mod settings;
mod timer;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use hookbench_domain::endpoint::{Endpoint, EndpointId};
use hookbench_domain::fault::FaultState;
use hookbench_domain::response::CompiledResponses;
use hookbench_domain::{
    Capture, CaptureFilter, CaptureId, CapturePage, CaptureSummary, Clock, NewCapture, StoredCapture, Timestamp,
};
use hookbench_store::{Store, StoredBody};

pub use alerts::AlertsView;
pub use bus::{LiveEvent, LiveMessage};
pub use error::EngineError;
pub use exchange::{Export, ExportFormat, ExportInput, ImportFormat, ImportResult};
pub use faults::{ActiveFault, ListenerOff};
pub use inbound::{InboundAction, InboundRequest, InboundResponse};
pub use outbound::DeadLetters;
pub use timer::{ManualTimer, SystemTimer, Timer};

/// Default largest request body the receiver stores: 10 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub data_dir: PathBuf,
    pub max_body_bytes: usize,
}

impl EngineConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        Self { data_dir, max_body_bytes: DEFAULT_MAX_BODY_BYTES }
    }
}

/// How often expired idempotency keys are cleaned up.
const DEDUPE_SWEEP_EVERY: Duration = Duration::from_secs(600);

pub struct Engine {
    config: EngineConfig,
    store: Store,
    bus: bus::Bus,
    clock: Arc<dyn Clock>,
    /// Every endpoint with its compiled responses, read on each request; replaced whole when one changes.
    routing: RwLock<Arc<Routing>>,
    /// Fault counters and random sequences per endpoint. In memory: a restart starts plans afresh.
    fault_states: Mutex<HashMap<EndpointId, FaultState>>,
    /// Woken whenever endpoints (and so fault plans) change; the receiver listens to turn itself off or on.
    faults_changed: tokio::sync::Notify,
    /// Randomness for response templates and delays.
    rng: Mutex<rand::rngs::StdRng>,
    sweeper: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The sender: the scheduler's signal and per-target breaker, rate and concurrency state.
    outbound: outbound::Outbound,
    /// Engine-wide settings (the global time scale), loaded at start and saved on each change.
    settings: RwLock<hookbench_domain::settings::Settings>,
    settings_change: tokio::sync::Mutex<()>,
    /// Alert rules, the alerts active now and the recently cleared.
    alerts: Mutex<alerts::AlertState>,
}

/// The routing table: endpoints, and each endpoint's responses ready to render.
#[derive(Debug, Default)]
pub struct Routing {
    pub endpoints: Vec<Endpoint>,
    pub responses: HashMap<EndpointId, CompiledResponses>,
}

impl Routing {
    fn new(endpoints: Vec<Endpoint>) -> Self {
        let responses = endpoints
            .iter()
            .filter_map(|e| {
                let settings = e.settings.responses.clone().unwrap_or_default();
                match settings.compile() {
                    Ok(compiled) => Some((e.id, compiled)),
                    Err(problems) => {
                        // Validated on the way in; a stored document from another version falls back to the receipt.
                        tracing::warn!(
                            endpoint = e.id,
                            ?problems,
                            "stored responses do not compile; using the default"
                        );
                        hookbench_domain::response::ResponseSettings::default().compile().ok().map(|c| (e.id, c))
                    }
                }
            })
            .collect();
        Self { endpoints, responses }
    }
}

impl Engine {
    /// Opens the store in the configured data dir and makes the engine ready to take captures.
    /// Must run inside a tokio runtime: it starts the cleanup of expired idempotency keys.
    pub async fn start(config: EngineConfig, clock: Arc<dyn Clock>) -> Result<Arc<Self>, EngineError> {
        let timer = Arc::new(SystemTimer::new(clock.clone()));
        Self::start_with_timer(config, clock, timer).await
    }

    /// Like [`Engine::start`], with the timer the scheduler sleeps on (a [`ManualTimer`] in tests).
    pub async fn start_with_timer(
        config: EngineConfig,
        clock: Arc<dyn Clock>,
        timer: Arc<dyn Timer>,
    ) -> Result<Arc<Self>, EngineError> {
        let store = Store::open(&config.data_dir)?;
        tracing::info!(db = %store.path().display(), "store open");
        let routing = RwLock::new(Arc::new(Routing::new(store.list_endpoints().await?)));
        let settings = RwLock::new(store.load_settings().await?);
        let engine = Arc::new(Self {
            config,
            store,
            bus: bus::Bus::new(),
            clock,
            routing,
            fault_states: Default::default(),
            faults_changed: tokio::sync::Notify::new(),
            rng: Mutex::new(<rand::rngs::StdRng as rand::SeedableRng>::from_os_rng()),
            sweeper: Default::default(),
            outbound: outbound::Outbound::new(timer)?,
            settings,
            settings_change: tokio::sync::Mutex::new(()),
            alerts: Mutex::new(alerts::AlertState::default()),
        });
        let weak = Arc::downgrade(&engine);
        let sweeper = tokio::spawn(async move {
            let mut every = tokio::time::interval(DEDUPE_SWEEP_EVERY);
            loop {
                every.tick().await;
                let Some(engine) = weak.upgrade() else { break };
                if let Err(e) = engine.expire_dedupe_keys().await {
                    tracing::warn!(error = %e, "cannot clean up expired idempotency keys");
                }
            }
        });
        if let Ok(mut slot) = engine.sweeper.lock() {
            *slot = Some(sweeper);
        }
        outbound::spawn(&engine).await?;
        engine.resume_batches().await?;
        engine.load_alert_rules().await?;
        engine.spawn_watch();
        Ok(engine)
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Why the store refuses writes right now (locked by another process, disk full); `None` when healthy.
    pub fn store_trouble(&self) -> Option<hookbench_store::StoreTrouble> {
        self.store.trouble()
    }

    pub fn now_ms(&self) -> Timestamp {
        self.clock.now_ms()
    }

    /// Commits a capture, then tells live subscribers. Returns only after the commit, so the
    /// receiver may acknowledge the request as soon as this returns `Ok`.
    pub async fn record(&self, capture: NewCapture) -> Result<CaptureSummary, EngineError> {
        let placeholder = StoredCapture { id: 0, duplicate_of: None, response_status: capture.response_status };
        let mut summary = capture.summary(placeholder);
        let stored = self.store.insert_capture(capture).await?;
        summary.id = stored.id;
        summary.duplicate_of = stored.duplicate_of;
        summary.response_status = stored.response_status;
        self.bus.publish(LiveEvent::CaptureCreated(summary.clone()));
        Ok(summary)
    }

    /// Forgets idempotency keys past their TTL; returns how many.
    pub async fn expire_dedupe_keys(&self) -> Result<u64, EngineError> {
        Ok(self.store.expire_dedupe_keys(self.clock.now_ms()).await?)
    }

    pub async fn list_captures(&self, filter: CaptureFilter) -> Result<CapturePage, EngineError> {
        Ok(self.store.list_captures(filter).await?)
    }

    pub async fn get_capture(&self, id: CaptureId) -> Result<Option<Capture>, EngineError> {
        Ok(self.store.get_capture(id).await?)
    }

    pub async fn capture_body(&self, id: CaptureId) -> Result<Option<StoredBody>, EngineError> {
        Ok(self.store.capture_body(id).await?)
    }

    /// Deletes one capture; `false` when it did not exist.
    pub async fn delete_capture(&self, id: CaptureId) -> Result<bool, EngineError> {
        let deleted = self.store.delete_capture(id).await?;
        if deleted {
            self.bus.publish(LiveEvent::CaptureDeleted { id });
        }
        Ok(deleted)
    }

    /// Deletes every capture; returns how many.
    pub async fn clear_captures(&self) -> Result<u64, EngineError> {
        let n = self.store.clear_captures().await?;
        self.bus.publish(LiveEvent::CapturesCleared {});
        Ok(n)
    }

    /// A live feed of what changes from now on. A subscriber that falls behind is told it lagged
    /// (and should refetch) instead of slowing anyone down.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<LiveMessage> {
        self.bus.subscribe()
    }

    /// Commits everything queued and closes the store.
    pub async fn shutdown(&self) {
        if let Some(sweeper) = self.sweeper.lock().ok().and_then(|mut s| s.take()) {
            sweeper.abort();
        }
        self.outbound.stop();
        self.store.close().await;
    }
}
