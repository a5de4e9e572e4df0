//! The scheduler: sleeps until the next due time (read from the `next_attempt_at` index) or until
//! woken, then admits each due event past its target's concurrency cap, rate limit and circuit
//! breaker, and starts its attempt. Never scans rows that are not due.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use hookbench_domain::Timestamp;
use hookbench_domain::breaker::Admission;
use hookbench_domain::ratelimit::{TokenBucket, may_start};
use hookbench_store::{Deferral, DueEvent};

use super::attempt;
use crate::{Engine, EngineError, LiveEvent};

/// Due events read per query: what admission is decided on, and claimed, in one batch.
const BATCH: u32 = 128;

/// Due events of targets without room skipped in a read from the head of the due index before
/// the read goes target by target instead.
const SKIP_BUDGET: u32 = 32;

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
        let next = dispatch_due(&engine, now).await.unwrap_or_else(|e| {
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

/// Every event due at `now`, in batches. Admission is decided in memory for a whole batch, then
/// one writer job claims every event that may start and moves every deferred one; the claimed
/// attempts are published and sent. A batch is read from the head of the due index, past the due
/// events of targets at their concurrency cap; when those pile up, target by target, so a backlog
/// waiting behind a full target costs a seek per batch, not a scan. Returns when the next event
/// is due (`None`: nothing waits for a time; a new event or a finished attempt wakes it).
pub(super) async fn dispatch_due(engine: &Arc<Engine>, now: Timestamp) -> Result<Option<Timestamp>, EngineError> {
    // While a backlog waits behind a full target, go target by target from the start: reading from
    // the head would only skip it again.
    let mut by_target = engine.outbound.backlog.load(Ordering::Relaxed);
    let mut next: Option<Timestamp> = None;
    loop {
        let read = engine.store.due(now, engine.room(), BATCH, SKIP_BUDGET, by_target).await?;
        engine.outbound.backlog.store(read.blocked || (by_target && read.backlogged), Ordering::Relaxed);
        let mut starts = Vec::new();
        let mut deferrals = Vec::new();
        for event in read.events {
            match engine.admission(&event, now) {
                Verdict::Start => starts.push(event),
                Verdict::Wait => {}
                Verdict::Defer { until, note } => deferrals.push(Deferral { id: event.id, until, note }),
            }
        }
        // A deferral to a time already due would be read again at once: not progress.
        let progressed = !starts.is_empty() || deferrals.iter().any(|d| d.until > now);
        // The next due time was read before these deferrals moved their events: count them in.
        next = [next, read.next_due].into_iter().chain(deferrals.iter().map(|d| Some(d.until))).flatten().min();
        start_batch(engine, starts, deferrals, now).await?;
        let switch = read.blocked && !by_target;
        by_target |= read.blocked;
        if !read.more || !(progressed || switch) {
            return Ok(next);
        }
    }
}

pub(super) enum Verdict {
    Start,
    Wait,
    Defer { until: Timestamp, note: Option<(&'static str, String)> },
}

/// Claims the admitted events (each already counted in flight at its target) and records the
/// deferrals in one writer job, then publishes each claim and starts its attempt. A claim that
/// finds its event no longer due (cancelled, moved, claimed meanwhile) gives its target's slot back.
pub(super) async fn start_batch(
    engine: &Arc<Engine>,
    starts: Vec<DueEvent>,
    deferrals: Vec<Deferral>,
    now: Timestamp,
) -> Result<(), EngineError> {
    if starts.is_empty() && deferrals.is_empty() {
        return Ok(());
    }
    let give_back = |events: &[DueEvent]| {
        for event in events {
            let _ = engine.release(&event.target_key, None, now);
        }
    };
    let sendable = if starts.is_empty() {
        Vec::new()
    } else {
        match engine.store.sendable_events(starts.iter().map(|e| e.id).collect()).await {
            Ok(found) => found,
            Err(e) => {
                give_back(&starts);
                return Err(e.into());
            }
        }
    };
    // The attempt starts now: its start time, its signature's timestamp and the claim's "due by".
    let at = engine.now_ms().max(now);
    let mut ready = Vec::with_capacity(starts.len());
    let mut requests = Vec::with_capacity(starts.len());
    for (due, found) in starts.into_iter().zip(sendable) {
        let Some(found) = found else {
            // Deleted since it was read.
            let _ = engine.release(&due.target_key, None, now);
            continue;
        };
        let (outgoing, prepared) = attempt::prepare(due, found, at);
        requests.push((outgoing.summary.id, attempt::sent_request(&outgoing, &prepared)));
        ready.push((outgoing, prepared));
    }
    let claims = match engine.store.claim_events(requests, deferrals, at).await {
        Ok(claims) => claims,
        Err(e) => {
            for (outgoing, _) in &ready {
                let _ = engine.release(&outgoing.summary.target_key, None, now);
            }
            return Err(e.into());
        }
    };
    for ((outgoing, prepared), claimed) in ready.into_iter().zip(claims.claimed) {
        match claimed {
            Some(claimed) => attempt::launch(engine, outgoing, prepared, claimed),
            None => {
                let _ = engine.release(&outgoing.summary.target_key, None, now);
            }
        }
    }
    for summary in claims.marked {
        engine.bus.publish(LiveEvent::EventUpdated(summary));
    }
    Ok(())
}

impl Engine {
    /// How many more attempts each target with a concurrency cap may start now (0: it is full).
    fn room(&self) -> HashMap<String, u32> {
        let targets = self.outbound.targets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        targets
            .iter()
            .filter_map(|(key, t)| t.max_in_flight.map(|max| (key.clone(), max.saturating_sub(t.in_flight))))
            .collect()
    }

    /// Decides whether a due event may start now. Starting counts it in flight at its target.
    pub(super) fn admission(&self, event: &DueEvent, now: Timestamp) -> Verdict {
        // A panic elsewhere must not stall delivery: the counts behind a poisoned lock are still right.
        let mut targets = self.outbound.targets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let settings = &event.settings;
        let target = match targets.get_mut(&event.target_key) {
            Some(target) => target,
            None => targets.entry(event.target_key.clone()).or_default(),
        };
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
            let note = (event.next_attempt_at != until).then_some(("breaker_deferred", reason));
            target.deferred.insert(event.id);
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
