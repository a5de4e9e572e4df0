//! The scheduler: sleeps until the next due time (read from the `next_attempt_at` index) or until
//! woken, then admits each due event past its target's concurrency cap, rate limit and circuit
//! breaker, and starts its attempt. Never scans rows that are not due.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use hookbench_domain::Timestamp;
use hookbench_domain::breaker::Admission;
use hookbench_domain::outbox::Event;
use hookbench_domain::ratelimit::{TokenBucket, may_start};

use super::attempt;
use crate::{Engine, EngineError, LiveEvent};

/// Due events read per query.
const BATCH: u32 = 100;

/// Starts the scheduler for `engine`, after loading the saved breakers and recovering attempts a
/// crash left in flight.
pub(crate) async fn spawn(engine: &Arc<Engine>) -> Result<(), EngineError> {
    let saved = engine.store.load_breakers().await?;
    {
        let mut targets = engine.outbound.targets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (key, breaker) in saved {
            targets.entry(key).or_default().breaker = breaker;
        }
    }
    let recovered = engine.store.recover_interrupted(engine.now_ms()).await?;
    if !recovered.is_empty() {
        tracing::warn!(events = recovered.len(), "attempts interrupted by the last stop are retried now");
    }
    let task = tokio::spawn(run(Arc::downgrade(engine)));
    if let Ok(mut slot) = engine.outbound.task.lock() {
        *slot = Some(task);
    }
    Ok(())
}

async fn run(weak: Weak<Engine>) {
    // Holds the engine while asleep; `Engine::shutdown` aborts this task.
    while let Some(engine) = weak.upgrade() {
        engine.outbound.wakeups.fetch_add(1, Ordering::SeqCst);
        let now = engine.now_ms();
        let next = match dispatch_due(&engine, now).await {
            Ok(()) => engine.store.next_due_after(now).await.map_err(EngineError::from),
            Err(e) => Err(e),
        };
        let next = next.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the scheduler cannot read the outbox; trying again in a second");
            Some(now.saturating_add(1_000))
        });
        let timer = engine.outbound.timer.clone();
        let woken = engine.outbound.wake.notified();
        match next {
            Some(at) => {
                tokio::select! {
                    _ = woken => {}
                    _ = timer.sleep_until(at) => {}
                }
            }
            None => woken.await,
        }
    }
}

/// Every event due at `now`, in batches, each claimed, deferred, or left for when its target has room.
async fn dispatch_due(engine: &Arc<Engine>, now: Timestamp) -> Result<(), EngineError> {
    loop {
        let full = engine.full_targets();
        let due = engine.store.due_events(now, full, BATCH).await?;
        let count = due.len();
        for event in due {
            admit(engine, event, now).await?;
        }
        if count < BATCH as usize {
            return Ok(());
        }
    }
}

enum Verdict {
    Start,
    Wait,
    Defer { until: Timestamp, note: Option<(&'static str, String)> },
}

async fn admit(engine: &Arc<Engine>, event: Event, now: Timestamp) -> Result<(), EngineError> {
    let verdict = engine.admission(&event, now);
    match verdict {
        Verdict::Wait => Ok(()),
        Verdict::Defer { until, note } => {
            let marked = note.is_some();
            engine.store.defer_event(event.summary.id, until, now, note).await?;
            if marked && let Some(summary) = engine.store.get_event(event.summary.id).await? {
                engine.bus.publish(LiveEvent::EventUpdated(summary.summary));
            }
            Ok(())
        }
        Verdict::Start => attempt::start(engine, event, now).await,
    }
}

impl Engine {
    /// Targets at their concurrency cap: their due events wait for an attempt to finish.
    fn full_targets(&self) -> Vec<String> {
        let targets = self.outbound.targets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        targets
            .iter()
            .filter(|(_, t)| t.in_flight > 0 && t.max_in_flight.is_some_and(|max| !may_start(t.in_flight, max)))
            .map(|(key, _)| key.clone())
            .collect()
    }

    /// Decides whether a due event may start now. Starting counts it in flight at its target.
    fn admission(&self, event: &Event, now: Timestamp) -> Verdict {
        // A panic elsewhere must not stall delivery: the counts behind a poisoned lock are still right.
        let mut targets = self.outbound.targets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let settings = &event.settings;
        let target = targets.entry(event.summary.target_key.clone()).or_default();
        target.max_in_flight = settings.limits.max_in_flight;
        target.breaker.config = settings.breaker.clone();
        if let Some(max) = settings.limits.max_in_flight
            && !may_start(target.in_flight, max)
        {
            return Verdict::Wait;
        }
        // Ask the breaker on a copy: a probe is handed out only if the rate limit lets it go too.
        let mut breaker = target.breaker.clone();
        if let Admission::Defer { until, reason } = breaker.admit(now) {
            // One mark per deferral: an event already deferred to this time says nothing new.
            let note = (event.summary.next_attempt_at != Some(until)).then_some(("breaker_deferred", reason));
            target.deferred.insert(event.summary.id);
            return Verdict::Defer { until, note };
        }
        if let Some(rate) = &settings.limits.rate {
            let shape = (rate.per_second.to_bits(), rate.burst);
            if target.bucket_rate != Some(shape) {
                target.bucket = Some(TokenBucket::new(rate, now));
                target.bucket_rate = Some(shape);
            }
            if let Some(bucket) = &mut target.bucket
                && let Err(next) = bucket.try_take(now)
            {
                let gap = (1_000.0 / rate.per_second).ceil().max(1.0) as i64;
                let slot = next.max(target.next_slot);
                target.next_slot = slot.saturating_add(gap);
                return Verdict::Defer { until: slot, note: None };
            }
        }
        target.breaker = breaker;
        target.in_flight += 1;
        Verdict::Start
    }
}
