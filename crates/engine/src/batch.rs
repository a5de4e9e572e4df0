//! Bulk replays: resolve the selection once, then enqueue one event per item at the asked pace,
//! each in the same transaction that moves the batch on (a restart resumes where it stopped, with
//! no item skipped or doubled). Pause, resume and cancel take effect at once; progress is published
//! as `batch.updated`.

use std::sync::Arc;

use hookbench_domain::Timestamp;
use hookbench_domain::batch::{Batch, BatchInput, BatchPreview, BatchSource, BatchState, MAX_ITEMS};
use hookbench_domain::outbox::{BatchId, NewEvent};
use hookbench_domain::replay::ReplayInput;

use crate::{Engine, EngineError, LiveEvent};

/// Progress is published at most this often (and always at the end).
const PUBLISH_EVERY_MS: i64 = 200;

impl Engine {
    /// How many items a bulk replay would take, and the first of them.
    pub async fn preview_batch(&self, input: &BatchInput) -> Result<BatchPreview, EngineError> {
        check(input)?;
        let ids = self.store.resolve_batch_source(input.source.clone()).await?;
        let capped = ids.len() > MAX_ITEMS;
        let total = ids.len().min(MAX_ITEMS) as u64;
        Ok(BatchPreview { total, sample: ids.into_iter().take(20).collect(), capped })
    }

    /// Makes a bulk replay and starts it.
    pub async fn create_batch(self: &Arc<Self>, input: BatchInput) -> Result<Batch, EngineError> {
        check(&input)?;
        let mut ids = self.store.resolve_batch_source(input.source.clone()).await?;
        ids.truncate(MAX_ITEMS);
        let batch = self.store.create_batch(input, ids, self.now_ms()).await?;
        self.bus.publish(LiveEvent::BatchUpdated(batch.clone()));
        if batch.state == BatchState::Running {
            self.spawn_batch(batch.id);
        }
        Ok(batch)
    }

    pub async fn get_batch(&self, id: BatchId) -> Result<Option<Batch>, EngineError> {
        Ok(self.store.get_batch(id).await?)
    }

    pub async fn list_batches(&self) -> Result<Vec<Batch>, EngineError> {
        Ok(self.store.list_batches(50).await?)
    }

    /// Pauses, resumes or cancels a bulk replay. `Ok(None)`: no such batch; a conflict when it is
    /// not in a state that allows the change.
    pub async fn change_batch(self: &Arc<Self>, id: BatchId, to: BatchState) -> Result<Option<Batch>, EngineError> {
        let Some(current) = self.store.get_batch(id).await? else { return Ok(None) };
        let Some(stopped) = self.store.set_batch_state(id, to, self.now_ms()).await? else {
            return Err(EngineError::Store(hookbench_store::StoreError::Conflict(format!(
                "bulk replay {id} is {}: it cannot become {}",
                current.state.as_str(),
                to.as_str()
            ))));
        };
        self.outbound.batches_changed().notify_waiters();
        if stopped > 0 {
            tracing::info!(batch = id, events = stopped, "bulk replay cancelled with its waiting events");
        }
        if to == BatchState::Running {
            self.spawn_batch(id);
        }
        let batch = self.store.get_batch(id).await?;
        if let Some(b) = &batch {
            self.bus.publish(LiveEvent::BatchUpdated(b.clone()));
        }
        Ok(batch)
    }

    /// Resumes the bulk replays that were running when the engine stopped.
    pub(crate) async fn resume_batches(self: &Arc<Self>) -> Result<(), EngineError> {
        for id in self.store.running_batches().await? {
            self.spawn_batch(id);
        }
        Ok(())
    }

    fn spawn_batch(self: &Arc<Self>, id: BatchId) {
        let engine = Arc::downgrade(self);
        tokio::spawn(async move {
            if let Err(e) = run(engine, id).await {
                tracing::warn!(batch = id, error = %e, "bulk replay stopped");
            }
        });
    }

    /// One item's event, or why it cannot be made.
    async fn batch_item(&self, input: &BatchInput, batch: BatchId, source_id: i64) -> Result<NewEvent, String> {
        let made = match &input.source {
            BatchSource::Captures { .. } => {
                let Some(to) = input.to.clone() else { return Err("no target".into()) };
                let replay = ReplayInput {
                    to,
                    mode: input.mode,
                    edit: None,
                    scheme: None,
                    secret: None,
                    policy: input.policy_choice()?,
                    time_scale: input.time_scale,
                };
                self.prepare_replay(source_id, replay, Some(batch)).await
            }
            BatchSource::Events { .. } => self.prepare_resend(source_id, None, Some(batch)).await,
        };
        let what = if input.source.kind() == "captures" { "capture" } else { "event" };
        match made {
            Ok(Some(event)) => Ok(event),
            Ok(None) => Err(format!("{what} {source_id} no longer exists")),
            Err(e) => Err(format!("{what} {source_id}: {e}")),
        }
    }
}

fn check(input: &BatchInput) -> Result<(), EngineError> {
    let problems = input.problems();
    if problems.is_empty() { Ok(()) } else { Err(EngineError::Invalid(problems)) }
}

async fn run(engine: std::sync::Weak<Engine>, id: BatchId) -> Result<(), EngineError> {
    let Some(strong) = engine.upgrade() else { return Ok(()) };
    let Some(batch) = strong.store.get_batch(id).await? else { return Ok(()) };
    let Some((_, _, ids)) = strong.store.batch_work(id).await? else { return Ok(()) };
    let gap_ms = (1000.0 / batch.input.rate()).max(1.0);
    let started = strong.now_ms();
    let mut handled: u64 = 0;
    let mut published: Timestamp = 0;
    drop(strong);
    loop {
        let Some(engine) = engine.upgrade() else { return Ok(()) };
        let Some((state, index)) = engine.store.batch_position(id).await? else { return Ok(()) };
        if state != BatchState::Running || index >= ids.len() {
            publish(&engine, id).await?;
            return Ok(());
        }
        let outcome = engine.batch_item(&batch.input, id, ids[index]).await;
        let now = engine.now_ms();
        if let Some(event) = engine.store.batch_step(id, index, outcome, now).await? {
            engine.bus.publish(LiveEvent::EventCreated(event.summary.clone()));
            engine.outbound.wake();
        }
        handled += 1;
        if now - published >= PUBLISH_EVERY_MS || index + 1 >= ids.len() {
            publish(&engine, id).await?;
            published = now;
        }
        // The pace: item n goes at started + n × gap, so a slow item does not slow the rest.
        let next_at = started + (handled as f64 * gap_ms) as i64;
        let timer = engine.outbound.timer().clone();
        let signal = engine.outbound.batches_changed();
        let changed = signal.notified();
        tokio::select! {
            () = timer.sleep_until(next_at) => {}
            () = changed => {}
        }
    }
}

async fn publish(engine: &Engine, id: BatchId) -> Result<(), EngineError> {
    if let Some(batch) = engine.store.get_batch(id).await? {
        engine.bus.publish(LiveEvent::BatchUpdated(batch));
    }
    Ok(())
}
