//! Reading an endpoint's captures without running an HTTP server: a resumable feed (for SSE) and
//! polling with named consumers that acknowledge (at-least-once: what is not acked comes again).
//!
//! The store is the source of truth; the bus only says "something new". The feed subscribes
//! before it reads, and on every notice (or a lag) reads the store after the last id it sent, so
//! captures committed in any order are sent once each, in id order, with no gap.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use hookbench_domain::endpoint::EndpointId;
use hookbench_domain::{Capture, CaptureFilter, CaptureId};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use utoipa::ToSchema;

use crate::{Engine, EngineError, LiveEvent, LiveMessage};

/// Captures read from the store at a time.
const PAGE: usize = 100;
/// The longest a poll may wait for a capture.
pub const MAX_POLL_WAIT: Duration = Duration::from_secs(60);

/// A page of captures for a poll consumer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PollPage {
    /// Oldest first, in full (headers and body).
    pub items: Vec<Capture>,
    /// The last item's id: pass as `cursor`, or acknowledge it. `null` when there were none.
    pub next_cursor: Option<CaptureId>,
    /// The consumer's acknowledged id (0: none); `null` without a consumer.
    pub acked: Option<CaptureId>,
}

/// An endpoint's captures after an id, then live ones as they commit.
pub struct CaptureFeed {
    engine: Arc<Engine>,
    endpoint_id: EndpointId,
    last: CaptureId,
    live: broadcast::Receiver<LiveMessage>,
    ready: VecDeque<Capture>,
}

impl CaptureFeed {
    /// The next capture, waiting for one to arrive. `Err` only when the store cannot be read.
    pub async fn next(&mut self) -> Result<Capture, EngineError> {
        loop {
            if let Some(capture) = self.ready.pop_front() {
                self.last = capture.summary.id;
                return Ok(capture);
            }
            let page = self.engine.store.captures_after(self.endpoint_id, self.last, PAGE).await?;
            if !page.is_empty() {
                self.ready.extend(page);
                continue;
            }
            // Nothing stored after `last`: wait for a notice that concerns this endpoint.
            loop {
                match self.live.recv().await {
                    Ok(LiveMessage { event: LiveEvent::CaptureCreated(s), .. })
                        if s.endpoint_id == self.endpoint_id && s.id > self.last =>
                    {
                        break;
                    }
                    Ok(_) => {}
                    // Fell behind: the store has everything, read it from there.
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => {
                        std::future::pending::<()>().await;
                    }
                }
            }
        }
    }

    /// The id of the last capture handed out (or the starting point).
    pub fn last_id(&self) -> CaptureId {
        self.last
    }
}

impl Engine {
    /// A feed of an endpoint's captures with an id above `after`; `None` starts after the newest
    /// stored one (live only). Subscribes before it reads, so nothing falls between the two.
    pub async fn capture_feed(
        self: &Arc<Self>,
        endpoint_id: EndpointId,
        after: Option<CaptureId>,
    ) -> Result<CaptureFeed, EngineError> {
        let live = self.subscribe();
        let last = match after {
            Some(id) => id,
            None => self.newest_capture_id(endpoint_id).await?,
        };
        Ok(CaptureFeed { engine: Arc::clone(self), endpoint_id, last, live, ready: VecDeque::new() })
    }

    async fn newest_capture_id(&self, endpoint_id: EndpointId) -> Result<CaptureId, EngineError> {
        let filter = CaptureFilter { endpoint_id: Some(endpoint_id), limit: 1, ..Default::default() };
        Ok(self.store.list_captures(filter).await?.items.first().map_or(0, |c| c.id))
    }

    /// Captures after the consumer's acknowledged id (or after `cursor`), oldest first, at most
    /// `limit`; when there are none, waits up to `wait` for one to arrive.
    pub async fn poll_captures(
        &self,
        endpoint_id: EndpointId,
        consumer: Option<String>,
        cursor: Option<CaptureId>,
        limit: usize,
        wait: Duration,
    ) -> Result<PollPage, EngineError> {
        if let Some(name) = &consumer {
            check_consumer(name)?;
        }
        let acked = match &consumer {
            Some(name) => Some(self.store.consumer_acked(endpoint_id, name.clone()).await?),
            None => None,
        };
        let after = cursor.or(acked).unwrap_or(0);
        let limit = limit.clamp(1, 500);
        let mut live = self.subscribe();
        let mut items = self.store.captures_after(endpoint_id, after, limit).await?;
        if items.is_empty() && !wait.is_zero() {
            let arrived = tokio::time::timeout(wait.min(MAX_POLL_WAIT), async {
                loop {
                    match live.recv().await {
                        Ok(LiveMessage { event: LiveEvent::CaptureCreated(s), .. })
                            if s.endpoint_id == endpoint_id && s.id > after =>
                        {
                            return;
                        }
                        Ok(_) => {}
                        Err(broadcast::error::RecvError::Lagged(_)) => return,
                        Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
                    }
                }
            })
            .await;
            if arrived.is_ok() {
                items = self.store.captures_after(endpoint_id, after, limit).await?;
            }
        }
        let next_cursor = items.last().map(|c| c.summary.id);
        Ok(PollPage { items, next_cursor, acked })
    }

    /// Acknowledges every capture up to `id` for `consumer`; returns its mark (never moved back).
    pub async fn ack_captures(
        &self,
        endpoint_id: EndpointId,
        consumer: String,
        id: CaptureId,
    ) -> Result<CaptureId, EngineError> {
        check_consumer(&consumer)?;
        if id < 0 {
            return Err(EngineError::Invalid(vec![format!("id: {id} is not a capture id")]));
        }
        Ok(self.store.consumer_ack(endpoint_id, consumer, id, self.now_ms()).await?)
    }
}

fn check_consumer(name: &str) -> Result<(), EngineError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(EngineError::Invalid(vec![format!("consumer: '{name}' must be 1 to 100 letters, digits or - _ . :")]))
    }
}
