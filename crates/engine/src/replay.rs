//! Replaying captures: one at a time (`replay_capture`), as received or re-signed, edited or not.
//! A replay is an event in the outbox linked to its capture, so it gets retries and a timeline.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookbench_domain::CaptureId;
use hookbench_domain::outbox::{BatchId, Event, EventOrigin, NewEvent};
use hookbench_domain::replay::{Original, ReplayInput, ReplayMode, event_input};
use hookbench_store::StoreError;

use crate::outbound::Link;
use crate::{Engine, EngineError};

impl Engine {
    /// Puts a replay of capture `id` in the outbox. `None` when there is no such capture; a conflict
    /// when its body was not stored (over the size limit).
    pub async fn replay_capture(&self, id: CaptureId, input: ReplayInput) -> Result<Option<Event>, EngineError> {
        match self.prepare_replay(id, input, None).await? {
            Some(event) => self.store_event(event).await.map(Some),
            None => Ok(None),
        }
    }

    /// The event a replay of capture `id` makes, checked, not yet stored.
    pub(crate) async fn prepare_replay(
        &self,
        id: CaptureId,
        input: ReplayInput,
        batch_id: Option<BatchId>,
    ) -> Result<Option<NewEvent>, EngineError> {
        let Some(capture) = self.get_capture(id).await? else { return Ok(None) };
        let Some(body) = capture.body_base64.as_deref() else {
            return Err(EngineError::Store(StoreError::Conflict(format!(
                "capture {id}: its body was over the size limit and not stored, so it cannot be replayed"
            ))));
        };
        let body = BASE64
            .decode(body)
            .map_err(|e| EngineError::Invalid(vec![format!("capture {id}: the stored body is unreadable: {e}")]))?;
        let original = Original { method: capture.summary.method.clone(), headers: capture.headers, body };
        let mode = input.mode;
        let (event, exact) = event_input(&original, input).map_err(EngineError::Invalid)?;
        let link = Link {
            origin: EventOrigin::Replay,
            capture_id: Some(id),
            batch_id,
            exact,
            must_sign: mode == ReplayMode::Resigned,
            ..Link::default()
        };
        self.prepare_event(event, link).await.map(Some)
    }
}
