//! Hookbench's SQLite store. One writer thread commits in groups; reads use their own connections.
//!
//! Every write is acknowledged only after the transaction that holds it has committed, so a caller
//! that got `Ok` may tell its client "stored" and a `kill -9` right after loses nothing.

mod batches;
mod breakers;
mod captures;
mod consumers;
mod destinations;
mod endpoints;
mod error;
mod events;
mod imports;
mod metrics;
mod migrations;
mod pool;
mod search;
mod settings;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use hookbench_domain::endpoint::{Endpoint, EndpointId, EndpointInput};
use hookbench_domain::outbox::{
    Attempt, DeadLetterCount, Destination, DestinationId, DestinationInput, Event, EventFilter, EventId, EventPage,
    EventSummary, NewEvent, SentRequest, TimelineMark,
};
use hookbench_domain::{Capture, CaptureFilter, CaptureId, CapturePage, NewCapture, StoredCapture, Timestamp};

pub use captures::HeldEdit;
pub use error::StoreError;
pub use events::{Claimed, Claims, Deferral, DueEvent, DueRead, Finish, SendableEvent};
pub use metrics::WindowRows;
use pool::ReadPool;
pub use writer::StoreTrouble;
use writer::Writer;

/// The file name of the database inside the data directory.
pub const DB_FILE: &str = "hookbench.db";

pub struct Store {
    path: PathBuf,
    writer: Writer,
    readers: ReadPool,
}

/// The stored body of a capture, with the content type it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBody {
    pub content_type: Option<String>,
    /// `None` when the body was over the limit and not stored.
    pub bytes: Option<Vec<u8>>,
}

impl Store {
    /// Opens (creating if needed) the database in `dir`, brings its schema up to date and starts the writer.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir { dir: dir.to_owned(), source })?;
        let path = dir.join(DB_FILE);
        let mut conn = open_connection(&path, false)?;
        migrations::apply(&mut conn)?;
        let writer = Writer::start(conn)?;
        let readers = ReadPool::new(path.clone());
        Ok(Self { path, writer, readers })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores a capture (and claims its idempotency key) and returns what was decided, once durable.
    /// The insert may run twice in its group (see `Writer::write_rerunnable`): it is SQL only.
    pub async fn insert_capture(&self, capture: NewCapture) -> Result<StoredCapture, StoreError> {
        let packed = captures::pack_for(&capture).await;
        self.writer.write_rerunnable(move |tx| captures::insert_packed(tx, &capture, &packed)).await
    }

    /// Deletes one capture; `false` when there was none with that id.
    pub async fn delete_capture(&self, id: CaptureId) -> Result<bool, StoreError> {
        self.writer.write(move |tx| captures::delete(tx, id)).await
    }

    /// Deletes every capture and returns how many there were.
    pub async fn clear_captures(&self) -> Result<u64, StoreError> {
        self.writer.write(captures::clear).await
    }

    pub async fn list_captures(&self, filter: CaptureFilter) -> Result<CapturePage, StoreError> {
        self.readers.read(move |conn| captures::list(conn, &filter)).await
    }

    pub async fn get_capture(&self, id: CaptureId) -> Result<Option<Capture>, StoreError> {
        self.readers.read(move |conn| captures::get(conn, id)).await
    }

    pub async fn capture_body(&self, id: CaptureId) -> Result<Option<StoredBody>, StoreError> {
        self.readers.read(move |conn| captures::body(conn, id)).await
    }

    pub async fn list_endpoints(&self) -> Result<Vec<Endpoint>, StoreError> {
        self.readers.read(endpoints::list).await
    }

    pub async fn get_endpoint(&self, id: EndpointId) -> Result<Option<Endpoint>, StoreError> {
        self.readers.read(move |conn| endpoints::get(conn, id)).await
    }

    /// Creates an endpoint; `StoreError::Conflict` when its prefix is taken.
    pub async fn create_endpoint(&self, input: EndpointInput, now: Timestamp) -> Result<Endpoint, StoreError> {
        self.writer.write(move |tx| endpoints::create(tx, &input, now)).await
    }

    /// Replaces an endpoint's name, prefix and settings; `None` when there is no such endpoint.
    pub async fn update_endpoint(
        &self,
        id: EndpointId,
        input: EndpointInput,
        now: Timestamp,
    ) -> Result<Option<Endpoint>, StoreError> {
        self.writer.write(move |tx| endpoints::update(tx, id, &input, now)).await
    }

    /// Deletes an endpoint; its captures move to the default endpoint.
    pub async fn delete_endpoint(&self, id: EndpointId) -> Result<bool, StoreError> {
        self.writer.write(move |tx| endpoints::delete(tx, id)).await
    }

    /// Forgets idempotency keys whose time is up.
    pub async fn expire_dedupe_keys(&self, now: Timestamp) -> Result<u64, StoreError> {
        self.writer.write(move |tx| endpoints::expire_dedupe_keys(tx, now)).await
    }

    pub async fn list_destinations(&self) -> Result<Vec<Destination>, StoreError> {
        self.readers.read(destinations::list).await
    }

    pub async fn get_destination(&self, id: DestinationId) -> Result<Option<Destination>, StoreError> {
        self.readers.read(move |conn| destinations::get(conn, id)).await
    }

    pub async fn find_destination(&self, name: String) -> Result<Option<Destination>, StoreError> {
        self.readers.read(move |conn| destinations::find_by_name(conn, &name)).await
    }

    /// Creates a destination; `StoreError::Conflict` when its name is taken.
    pub async fn create_destination(&self, input: DestinationInput, now: Timestamp) -> Result<Destination, StoreError> {
        self.writer.write(move |tx| destinations::create(tx, &input, now)).await
    }

    pub async fn update_destination(
        &self,
        id: DestinationId,
        input: DestinationInput,
        now: Timestamp,
    ) -> Result<Option<Destination>, StoreError> {
        self.writer.write(move |tx| destinations::update(tx, id, &input, now)).await
    }

    pub async fn delete_destination(&self, id: DestinationId) -> Result<bool, StoreError> {
        self.writer.write(move |tx| destinations::delete(tx, id)).await
    }

    /// Stores an event in the outbox, due now; returns once committed, before any attempt.
    pub async fn insert_event(&self, event: NewEvent, now: Timestamp) -> Result<Event, StoreError> {
        self.writer.write(move |tx| events::insert(tx, &event, now)).await
    }

    pub async fn get_event(&self, id: EventId) -> Result<Option<Event>, StoreError> {
        self.readers.read(move |conn| events::get(conn, id)).await
    }

    /// An event's attempts and timeline marks, read together.
    pub async fn event_timeline(&self, id: EventId) -> Result<(Vec<Attempt>, Vec<TimelineMark>), StoreError> {
        self.readers.read(move |conn| Ok((events::attempts(conn, id)?, events::marks(conn, id)?))).await
    }

    pub async fn list_events(&self, filter: EventFilter) -> Result<EventPage, StoreError> {
        self.readers.read(move |conn| events::list(conn, &filter)).await
    }

    /// Events due at `now` (earliest first), leaving out the targets in `skip`.
    pub async fn due_events(&self, now: Timestamp, skip: Vec<String>, limit: u32) -> Result<Vec<Event>, StoreError> {
        self.readers.read(move |conn| events::due(conn, now, &skip, limit)).await
    }

    /// The earliest `limit` events due at `now`, every target, past those of targets without
    /// `room` (at most `budget` of them): what admission needs, no body.
    pub async fn due_head(
        &self,
        now: Timestamp,
        room: HashMap<String, u32>,
        limit: u32,
        budget: u32,
    ) -> Result<DueRead, StoreError> {
        self.readers.read(move |conn| events::due_head(conn, now, &room, limit, budget)).await
    }

    /// The scheduler's read of a batch of due events (from the head, or target by target once
    /// targets without room block the head; see `events::due_batch`) and the next due time after `now`.
    pub async fn due(
        &self,
        now: Timestamp,
        room: HashMap<String, u32>,
        limit: u32,
        budget: u32,
        by_target: bool,
    ) -> Result<DueRead, StoreError> {
        self.readers.read(move |conn| events::due_batch(conn, now, &room, limit, budget, by_target)).await
    }

    /// The earliest events due at `now` found target by target, within each target's `room`:
    /// the due events of a target without room are not read.
    pub async fn due_by_target(
        &self,
        now: Timestamp,
        room: HashMap<String, u32>,
        limit: u32,
    ) -> Result<DueRead, StoreError> {
        self.readers.read(move |conn| events::due_by_target(conn, now, &room, limit)).await
    }

    /// The request material (summary, headers, raw body) of these events, in order; `None` when gone.
    pub async fn sendable_events(&self, ids: Vec<EventId>) -> Result<Vec<Option<SendableEvent>>, StoreError> {
        self.readers.read(move |conn| events::sendable(conn, &ids)).await
    }

    /// One scheduler batch in one writer job: claims each `(event, request)` (an in-flight attempt
    /// row, the event `delivering`; `None` for one no longer due) and moves each deferred event.
    pub async fn claim_events(
        &self,
        starts: Vec<(EventId, SentRequest)>,
        deferrals: Vec<Deferral>,
        now: Timestamp,
    ) -> Result<Claims, StoreError> {
        let mut encoded = Vec::with_capacity(starts.len());
        let mut requests = Vec::with_capacity(starts.len());
        for (id, request) in starts {
            let text = serde_json::to_string(&request)
                .map_err(|e| StoreError::Invalid(format!("cannot encode as JSON: {e}")))?;
            encoded.push((id, text));
            requests.push(request);
        }
        let (rows, marked) =
            self.writer.write_rerunnable(move |tx| events::claim_many(tx, &encoded, &deferrals, now)).await?;
        let claimed = rows
            .into_iter()
            .zip(requests)
            .map(|(row, request)| row.map(|row| events::claimed(row, request, now)))
            .collect();
        Ok(Claims { claimed, marked })
    }

    /// Records an attempt's end and moves its event on, in one transaction; returns the event's
    /// summary after it (the finished attempt is not read back).
    pub async fn finish_attempt_summary(&self, finish: Finish) -> Result<EventSummary, StoreError> {
        let encoded = events::encode_finish(&finish)?;
        self.writer.write_rerunnable(move |tx| events::finish_summary(tx, &finish, &encoded)).await
    }

    /// When the next event after `now` is due.
    pub async fn next_due_after(&self, now: Timestamp) -> Result<Option<Timestamp>, StoreError> {
        self.readers.read(move |conn| events::next_due_after(conn, now)).await
    }

    /// Moves a waiting event's due time, with an optional timeline mark `(kind, text)`.
    pub async fn defer_event(
        &self,
        id: EventId,
        until: Timestamp,
        now: Timestamp,
        note: Option<(&'static str, String)>,
    ) -> Result<bool, StoreError> {
        self.writer
            .write(move |tx| events::defer(tx, id, until, now, note.as_ref().map(|(k, t)| (*k, t.as_str()))))
            .await
    }

    /// Marks a due event `delivering` and writes its in-flight attempt, in one transaction.
    pub async fn claim_event(
        &self,
        id: EventId,
        request: SentRequest,
        now: Timestamp,
    ) -> Result<Option<(EventSummary, Attempt)>, StoreError> {
        self.writer.write(move |tx| events::claim(tx, id, &request, now)).await
    }

    /// Records an attempt's end and moves its event on, in one transaction.
    pub async fn finish_attempt(&self, finish: Finish) -> Result<(EventSummary, Attempt), StoreError> {
        self.writer.write(move |tx| events::finish(tx, &finish)).await
    }

    /// Marks attempts left in flight by a crash as interrupted and makes their events due now.
    pub async fn recover_interrupted(&self, now: Timestamp) -> Result<Vec<EventId>, StoreError> {
        self.writer.write(move |tx| events::recover(tx, now)).await
    }

    /// Makes these waiting events due now, each with a timeline mark; returns how many moved.
    pub async fn make_due(&self, ids: Vec<EventId>, now: Timestamp, text: &'static str) -> Result<usize, StoreError> {
        self.writer.write(move |tx| events::make_due(tx, &ids, now, text)).await
    }

    pub async fn retry_event_now(&self, id: EventId, now: Timestamp) -> Result<Option<EventSummary>, StoreError> {
        self.writer.write(move |tx| events::retry_now(tx, id, now)).await
    }

    pub async fn cancel_event(&self, id: EventId, now: Timestamp) -> Result<Option<EventSummary>, StoreError> {
        self.writer.write(move |tx| events::cancel(tx, id, now)).await
    }

    pub async fn add_event_mark(
        &self,
        id: EventId,
        at: Timestamp,
        kind: &'static str,
        text: String,
    ) -> Result<(), StoreError> {
        self.writer.write(move |tx| events::add_mark(tx, id, at, kind, &text)).await
    }

    /// Every target's saved circuit breaker.
    pub async fn load_breakers(&self) -> Result<Vec<(String, hookbench_domain::breaker::BreakerState)>, StoreError> {
        self.readers.read(breakers::load).await
    }

    /// The engine-wide settings (defaults when none were saved).
    pub async fn load_settings(&self) -> Result<hookbench_domain::settings::Settings, StoreError> {
        self.readers.read(settings::load).await
    }

    /// Saves the settings; with `rescale = Some((ratio, text))` also moves waiting retries that run at
    /// the global time scale (see `events::rescale_waiting`), in the same transaction.
    pub async fn save_settings(
        &self,
        value: hookbench_domain::settings::Settings,
        rescale: Option<(f64, String)>,
        now: Timestamp,
    ) -> Result<Vec<(EventId, Timestamp)>, StoreError> {
        self.writer
            .write(move |tx| {
                settings::save(tx, &value, now)?;
                match &rescale {
                    Some((ratio, text)) => events::rescale_waiting(tx, now, *ratio, text),
                    None => Ok(Vec::new()),
                }
            })
            .await
    }

    pub async fn dead_letter_counts(&self) -> Result<Vec<DeadLetterCount>, StoreError> {
        self.readers.read(events::dead_letter_counts).await
    }

    /// Why writes are failing right now (locked by another process, disk full); `None` when they go through.
    pub fn trouble(&self) -> Option<StoreTrouble> {
        self.writer.trouble()
    }

    /// Stops the writer after it has committed everything already handed to it. Idle read
    /// connections close first, so the writer's connection is the last one and SQLite removes the
    /// WAL and shared-memory files with it.
    pub async fn close(&self) {
        self.readers.close_idle();
        self.writer.close().await;
    }
}

pub(crate) fn open_connection(path: &Path, read_only: bool) -> Result<rusqlite::Connection, StoreError> {
    use rusqlite::OpenFlags;
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI
    } else {
        OpenFlags::default()
    };
    let conn = rusqlite::Connection::open_with_flags(path, flags)
        .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
    // WAL lets readers run beside the writer. synchronous=NORMAL in WAL mode keeps every commit
    // across a crash of the process (kill -9); only a power loss can drop the last commits.
    let pragmas = if read_only {
        "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;"
    } else {
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;"
    };
    conn.execute_batch(pragmas).map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
    Ok(conn)
}
