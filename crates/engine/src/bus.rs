//! The live event bus: what changed, in commit order, for SSE clients and the desktop shell.

use std::sync::atomic::{AtomicU64, Ordering};

use hookbench_domain::alerts::Alert;
use hookbench_domain::batch::Batch;
use hookbench_domain::outbox::{Attempt, EventSummary};
use hookbench_domain::settings::Settings;
use hookbench_domain::{CaptureId, CaptureSummary};
use serde::Serialize;
use tokio::sync::broadcast;

/// How many events a subscriber may fall behind before it is told to resync.
const CAPACITY: usize = 1024;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum LiveEvent {
    CaptureCreated(CaptureSummary),
    CaptureDeleted {
        id: CaptureId,
    },
    CapturesCleared {},
    EndpointsChanged {},
    DestinationsChanged {},
    EventCreated(EventSummary),
    EventUpdated(EventSummary),
    AttemptStarted(Attempt),
    AttemptFinished(Attempt),
    SettingsChanged(Settings),
    BatchUpdated(Batch),
    /// Retention deleted old captures: lists should refetch.
    CapturesPruned {
        deleted: u64,
    },
    AlertFired(Alert),
    AlertCleared(Alert),
}

impl LiveEvent {
    /// The event's name on the wire (the SSE `event:` field).
    pub fn name(&self) -> &'static str {
        match self {
            LiveEvent::CaptureCreated(_) => "capture.created",
            LiveEvent::CaptureDeleted { .. } => "capture.deleted",
            LiveEvent::CapturesCleared {} => "captures.cleared",
            LiveEvent::EndpointsChanged {} => "endpoints.changed",
            LiveEvent::DestinationsChanged {} => "destinations.changed",
            LiveEvent::EventCreated(_) => "event.created",
            LiveEvent::EventUpdated(_) => "event.updated",
            LiveEvent::AttemptStarted(_) => "attempt.started",
            LiveEvent::AttemptFinished(_) => "attempt.finished",
            LiveEvent::SettingsChanged(_) => "settings.changed",
            LiveEvent::BatchUpdated(_) => "batch.updated",
            LiveEvent::CapturesPruned { .. } => "captures.pruned",
            LiveEvent::AlertFired(_) => "alert.fired",
            LiveEvent::AlertCleared(_) => "alert.cleared",
        }
    }
}

/// An event with its place in the sequence (the SSE `id:` field).
#[derive(Debug, Clone)]
pub struct LiveMessage {
    pub seq: u64,
    pub event: LiveEvent,
}

pub struct Bus {
    sender: broadcast::Sender<LiveMessage>,
    seq: AtomicU64,
}

impl Bus {
    pub fn new() -> Self {
        Self { sender: broadcast::channel(CAPACITY).0, seq: AtomicU64::new(0) }
    }

    pub fn publish(&self, event: LiveEvent) {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        // No subscriber is not an error: nobody is watching.
        let _ = self.sender.send(LiveMessage { seq, event });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveMessage> {
        self.sender.subscribe()
    }
}
