//! The outbox: `events` (stored before any attempt), `attempts` and `event_marks` (the timeline).
//!
//! `next_attempt_at` is set only while an event waits for an attempt, and the partial index on it
//! is all the scheduler reads: the due events, and the next time something is due. Claiming an
//! event and finishing an attempt each change the event and its attempt in one transaction.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookbench_domain::Timestamp;
use hookbench_domain::breaker::{BreakerState, Transition};
use hookbench_domain::capture::HeaderView;
use hookbench_domain::outbox::{
    Attempt, AttemptId, AttemptResult, AttemptState, DeadLetterCount, DeliverySettings, Event, EventFilter, EventId,
    EventOrigin, EventPage, EventState, EventSummary, NewEvent, SentRequest, TimelineMark,
};
use hookbench_domain::retry::{ErrorClass, NextStep};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::StoreError;

pub const SCHEMA_V5: &str = "
CREATE TABLE events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    destination_id   INTEGER,                -- NULL: sent straight to a URL
    target_key       TEXT    NOT NULL,       -- breaker / rate limit / concurrency are per target
    url              TEXT    NOT NULL,
    method           TEXT    NOT NULL,
    idempotency_key  TEXT    NOT NULL,
    headers          TEXT    NOT NULL,       -- JSON [HeaderView], the event's own
    body             BLOB    NOT NULL,
    settings         TEXT    NOT NULL,       -- JSON DeliverySettings, copied when stored
    state            TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    first_attempt_at INTEGER,
    next_attempt_at  INTEGER,                -- set only while waiting for an attempt
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_status      INTEGER,
    last_error       TEXT,
    dead_reason      TEXT,
    resent_from      INTEGER
) STRICT;
CREATE INDEX events_due ON events(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX events_state ON events(state, id);
CREATE INDEX events_destination ON events(destination_id, id);
CREATE TABLE attempts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    number          INTEGER NOT NULL,
    state           TEXT    NOT NULL,        -- in_flight, finished, interrupted
    started_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    duration_ms     INTEGER,
    request         TEXT    NOT NULL,        -- JSON SentRequest
    response_status INTEGER,
    response        TEXT,                    -- JSON AttemptResponse (body at most 64 KiB)
    error_class     TEXT,
    error           TEXT,
    next            TEXT,                    -- JSON NextStep
    breaker         TEXT                     -- JSON Transition
) STRICT;
CREATE INDEX attempts_event ON attempts(event_id, number);
CREATE INDEX attempts_in_flight ON attempts(state) WHERE state = 'in_flight';
CREATE TABLE event_marks (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    at       INTEGER NOT NULL,
    kind     TEXT    NOT NULL,
    text     TEXT    NOT NULL
) STRICT;
CREATE INDEX event_marks_event ON event_marks(event_id, id);
";

/// Where an event came from (a replay or forward of a capture, a bulk replay), whether it is sent
/// exactly as stored, and the bulk replays themselves. `held` events have no due time until released.
pub const SCHEMA_V8: &str = "
ALTER TABLE events ADD COLUMN origin TEXT NOT NULL DEFAULT 'send';
ALTER TABLE events ADD COLUMN capture_id INTEGER;
ALTER TABLE events ADD COLUMN batch_id INTEGER;
ALTER TABLE events ADD COLUMN exact INTEGER NOT NULL DEFAULT 0;
CREATE INDEX events_capture ON events(capture_id, id) WHERE capture_id IS NOT NULL;
CREATE INDEX events_batch ON events(batch_id, state) WHERE batch_id IS NOT NULL;
CREATE TABLE batches (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,   -- captures | events
    spec        TEXT    NOT NULL,   -- JSON BatchSpec: target, mode, edit, rate
    source_ids  TEXT    NOT NULL,   -- JSON [id], resolved when the batch was made, in order
    total       INTEGER NOT NULL,
    next_index  INTEGER NOT NULL DEFAULT 0,
    state       TEXT    NOT NULL,   -- running | paused | cancelled | done
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE TABLE consumers (
    endpoint_id INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    acked_id    INTEGER NOT NULL DEFAULT 0,   -- every capture up to this id is acknowledged
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (endpoint_id, name)
) STRICT, WITHOUT ROWID;
";

/// The scheduler's second way into the due events: per target, by due time. When a target is at
/// its concurrency cap its due events wait, and the scheduler looks past them target by target
/// (a seek each) instead of scanning them in due-time order.
pub const SCHEMA_V12: &str = "
CREATE INDEX events_target_due ON events(target_key, next_attempt_at) WHERE next_attempt_at IS NOT NULL;
";

const SUMMARY: &str = "id, destination_id, url, method, idempotency_key, state, created_at, updated_at, \
     next_attempt_at, attempts, last_status, last_error, dead_reason, resent_from, length(body), target_key, \
     origin, capture_id, batch_id";
const FULL: &str = "headers, body, settings, first_attempt_at, exact";
/// Where `FULL`'s columns start in a row of `SUMMARY, FULL`.
const FULL_AT: usize = 19;

fn json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(format!("cannot encode as JSON: {e}")))
}

fn from_json<T: DeserializeOwned>(text: Option<String>) -> Option<T> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn summary(row: &Row<'_>) -> rusqlite::Result<EventSummary> {
    let state: String = row.get(5)?;
    Ok(EventSummary {
        id: row.get(0)?,
        destination_id: row.get(1)?,
        url: row.get(2)?,
        method: row.get(3)?,
        idempotency_key: row.get(4)?,
        state: EventState::parse(&state).unwrap_or(EventState::Pending),
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
        next_attempt_at: row.get(8)?,
        attempt_count: row.get(9)?,
        last_status: row.get(10)?,
        last_error: row.get(11)?,
        dead_reason: row.get(12)?,
        resent_from: row.get(13)?,
        body_size: row.get(14)?,
        target_key: row.get(15)?,
        origin: EventOrigin::parse(&row.get::<_, String>(16)?),
        capture_id: row.get(17)?,
        batch_id: row.get(18)?,
    })
}

fn event(row: &Row<'_>) -> rusqlite::Result<Event> {
    let body: Vec<u8> = row.get(FULL_AT + 1)?;
    Ok(Event {
        summary: summary(row)?,
        headers: from_json(row.get(FULL_AT)?).unwrap_or_default(),
        body_base64: BASE64.encode(body),
        settings: from_json::<DeliverySettings>(row.get(FULL_AT + 2)?).unwrap_or_default(),
        first_attempt_at: row.get(FULL_AT + 3)?,
        exact: row.get(FULL_AT + 4)?,
    })
}

/// Stores an event, due at once. Returns only after the commit: the outbox holds it before any attempt.
pub fn insert(conn: &Connection, e: &NewEvent, now: Timestamp) -> Result<Event, StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO events (destination_id, target_key, url, method, idempotency_key, headers, body, settings, state,
                             created_at, updated_at, next_attempt_at, resent_from, origin, capture_id, batch_id, exact)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?11, ?9, ?9, CASE WHEN ?11 = 'held' THEN NULL ELSE ?9 END, ?10,
                 ?12, ?13, ?14, ?15)",
    )?;
    stmt.execute(params![
        e.destination_id,
        e.target_key,
        e.url,
        e.settings.method,
        e.idempotency_key,
        json(&e.headers)?,
        e.body,
        json(&e.settings)?,
        now,
        e.resent_from,
        if e.held { "held" } else { "pending" },
        e.origin.as_str(),
        e.capture_id,
        e.batch_id,
        e.exact
    ])?;
    get(conn, conn.last_insert_rowid())?.ok_or(StoreError::WorkerGone)
}

pub fn get(conn: &Connection, id: EventId) -> Result<Option<Event>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {SUMMARY}, {FULL} FROM events WHERE id = ?1"))?;
    Ok(stmt.query_row([id], event).optional()?)
}

pub fn get_summary(conn: &Connection, id: EventId) -> Result<Option<EventSummary>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {SUMMARY} FROM events WHERE id = ?1"))?;
    Ok(stmt.query_row([id], summary).optional()?)
}

/// Events due at `now`, earliest first, skipping targets in `skip` (at their concurrency cap).
/// Reads only the due part of the `next_attempt_at` index.
pub fn due(conn: &Connection, now: Timestamp, skip: &[String], limit: u32) -> Result<Vec<Event>, StoreError> {
    let placeholders = (0..skip.len()).map(|i| format!("?{}", i + 3)).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {SUMMARY}, {FULL} FROM events INDEXED BY events_due
         WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ?1 AND target_key NOT IN ({placeholders})
         ORDER BY next_attempt_at, id LIMIT ?2"
    );
    let mut values: Vec<Value> = vec![Value::Integer(now), Value::Integer(i64::from(limit))];
    values.extend(skip.iter().map(|k| Value::Text(k.clone())));
    let mut stmt = conn.prepare(&sql)?;
    Ok(stmt.query_map(params_from_iter(values), event)?.collect::<Result<_, _>>()?)
}

/// The earliest due time after `now`, if any (one step down the index).
pub fn next_due_after(conn: &Connection, now: Timestamp) -> Result<Option<Timestamp>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT next_attempt_at FROM events INDEXED BY events_due
         WHERE next_attempt_at IS NOT NULL AND next_attempt_at > ?1 ORDER BY next_attempt_at LIMIT 1",
    )?;
    Ok(stmt.query_row([now], |r| r.get(0)).optional()?)
}

/// What the scheduler needs to decide whether a due event may start: no body, no headers.
#[derive(Debug, Clone)]
pub struct DueEvent {
    pub id: EventId,
    pub target_key: String,
    pub next_attempt_at: Timestamp,
    /// Shared between the events that carry the same settings (they are copied from a destination).
    pub settings: Arc<DeliverySettings>,
}

/// An admitted event's request material, read just before its claim: raw body bytes, not base64.
#[derive(Debug, Clone)]
pub struct SendableEvent {
    pub summary: EventSummary,
    pub headers: Vec<HeaderView>,
    pub body: Vec<u8>,
    pub exact: bool,
}

/// The settings as stored, parsed once per distinct text: events copy their destination's
/// settings, so a due batch usually holds one or two distinct texts. Bounded; cleared when full.
fn settings_of(text: &str) -> Arc<DeliverySettings> {
    static CACHE: OnceLock<Mutex<HashMap<Box<str>, Arc<DeliverySettings>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = map.get(text) {
        return Arc::clone(found);
    }
    let parsed = Arc::new(serde_json::from_str::<DeliverySettings>(text).unwrap_or_default());
    if map.len() >= 256 {
        map.clear();
    }
    map.insert(text.into(), Arc::clone(&parsed));
    parsed
}

fn due_event(row: &Row<'_>) -> rusqlite::Result<DueEvent> {
    let settings = row.get_ref(3)?.as_str().map(settings_of).map_err(rusqlite::Error::from)?;
    Ok(DueEvent { id: row.get(0)?, target_key: row.get(1)?, next_attempt_at: row.get(2)?, settings })
}

/// A read of due events: in due order, and whether more may be due than were read.
#[derive(Debug, Clone, Default)]
pub struct DueRead {
    pub events: Vec<DueEvent>,
    /// Stopped before the last due event: at the limit, or at the skip budget.
    pub more: bool,
    /// Stopped because too many due events belonged to targets without room: read the rest
    /// target by target ([`due_by_target`]).
    pub blocked: bool,
    /// Read target by target: some target had due events left unread (past its room or the
    /// limit), or had no room at all and events waiting. While so, reading from the head would
    /// skip them again.
    pub backlogged: bool,
    /// The earliest due time after `now`, read with the batch ([`due_batch`] only).
    pub next_due: Option<Timestamp>,
}

/// The scheduler's read of a batch, in one go: from the head of the due index ([`due_head`]) or,
/// when `by_target` or when the head is blocked by targets without room, target by target
/// ([`due_by_target`]); then the next due time after `now`.
pub fn due_batch(
    conn: &Connection,
    now: Timestamp,
    room: &HashMap<String, u32>,
    limit: u32,
    budget: u32,
    by_target: bool,
) -> Result<DueRead, StoreError> {
    let mut read =
        if by_target { due_by_target(conn, now, room, limit)? } else { due_head(conn, now, room, limit, budget)? };
    if read.blocked && !by_target {
        read = DueRead { blocked: true, ..due_by_target(conn, now, room, limit)? };
    }
    read.next_due = next_due_after(conn, now)?;
    Ok(read)
}

/// The earliest `limit` events due at `now` (due time, then id), for every target, read from the
/// due part of the `next_attempt_at` index. `room` says how many more attempts a target may start
/// (targets not in it: any number); an event past its target's room is skipped without being
/// decoded, and after `budget` skipped ones the read stops as `blocked`.
pub fn due_head(
    conn: &Connection,
    now: Timestamp,
    room: &HashMap<String, u32>,
    limit: u32,
    budget: u32,
) -> Result<DueRead, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, target_key, next_attempt_at, settings FROM events INDEXED BY events_due
         WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2",
    )?;
    let mut left = room.clone();
    let mut read = DueRead::default();
    let mut skipped = 0;
    let mut rows = stmt.query(params![now, limit.saturating_add(budget)])?;
    while let Some(row) = rows.next()? {
        let key = row.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
        if let Some(left) = left.get_mut(key) {
            if *left == 0 {
                skipped += 1;
                if skipped >= budget {
                    read.more = true;
                    read.blocked = true;
                    return Ok(read);
                }
                continue;
            }
            *left -= 1;
        }
        read.events.push(due_event(row)?);
        if read.events.len() >= limit as usize {
            read.more = true;
            return Ok(read);
        }
    }
    Ok(read)
}

/// The earliest events due at `now` target by target, at most `limit` in all and each target's
/// `room` (targets not in it: `limit`; none: skipped). The targets with waiting events are walked
/// on `events_target_due` (one seek each), and each one with room gives its earliest due events
/// (one more seek): the due events of a target without room are never read, however many.
pub fn due_by_target(
    conn: &Connection,
    now: Timestamp,
    room: &HashMap<String, u32>,
    limit: u32,
) -> Result<DueRead, StoreError> {
    let mut targets = conn.prepare_cached(
        "WITH RECURSIVE t(k) AS (
             SELECT (SELECT target_key FROM events INDEXED BY events_target_due
                     WHERE next_attempt_at IS NOT NULL ORDER BY target_key LIMIT 1)
             UNION ALL
             SELECT (SELECT target_key FROM events INDEXED BY events_target_due
                     WHERE next_attempt_at IS NOT NULL AND target_key > t.k ORDER BY target_key LIMIT 1)
             FROM t WHERE t.k IS NOT NULL
         )
         SELECT k FROM t WHERE k IS NOT NULL",
    )?;
    let keys: Vec<String> = targets.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut of_target = conn.prepare_cached(
        "SELECT id, target_key, next_attempt_at, settings FROM events INDEXED BY events_target_due
         WHERE target_key = ?1 AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?2
         ORDER BY next_attempt_at, id LIMIT ?3",
    )?;
    let mut read = DueRead::default();
    for key in &keys {
        let cap = room.get(key).map_or(limit, |r| (*r).min(limit));
        if cap == 0 {
            read.backlogged = true;
            continue;
        }
        // One more than it may take says whether it leaves some behind.
        let mut rows = of_target.query_map(params![key, now, cap + 1], due_event)?.collect::<Result<Vec<_>, _>>()?;
        let left_behind = rows.len() > cap as usize;
        rows.truncate(cap as usize);
        read.events.extend(rows);
        read.backlogged |= left_behind;
        // A target without a cap that could fill the whole limit may have more.
        read.more |= cap == limit && left_behind;
    }
    read.events.sort_by_key(|e| (e.next_attempt_at, e.id));
    if read.events.len() > limit as usize {
        read.events.truncate(limit as usize);
        read.more = true;
    }
    Ok(read)
}

/// The request material of these events, in the order asked; `None` for one that is gone.
pub fn sendable(conn: &Connection, ids: &[EventId]) -> Result<Vec<Option<SendableEvent>>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {SUMMARY}, headers, body, exact FROM events WHERE id = ?1"))?;
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        let event = stmt
            .query_row([id], |row| {
                Ok(SendableEvent {
                    summary: summary(row)?,
                    headers: from_json(row.get(FULL_AT)?).unwrap_or_default(),
                    body: row.get(FULL_AT + 1)?,
                    exact: row.get(FULL_AT + 2)?,
                })
            })
            .optional()?;
        found.push(event);
    }
    Ok(found)
}

fn mark(conn: &Connection, event_id: EventId, at: Timestamp, kind: &str, text: &str) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached("INSERT INTO event_marks (event_id, at, kind, text) VALUES (?1, ?2, ?3, ?4)")?;
    stmt.execute(params![event_id, at, kind, text])?;
    Ok(())
}

/// Moves a waiting event's due time (the circuit is open, the rate limit is spent), with a mark
/// for the timeline when there is something to say.
pub fn defer(
    conn: &Connection,
    id: EventId,
    until: Timestamp,
    now: Timestamp,
    note: Option<(&str, &str)>,
) -> Result<bool, StoreError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE events SET next_attempt_at = ?2, updated_at = ?3 WHERE id = ?1 AND next_attempt_at IS NOT NULL",
    )?;
    let moved = stmt.execute(params![id, until, now])? > 0;
    if let (true, Some((kind, text))) = (moved, note) {
        mark(conn, id, now, kind, text)?;
    }
    Ok(moved)
}

/// An event claimed for an attempt: its summary after the claim and its in-flight attempt row.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub summary: EventSummary,
    /// Clock time of the event's first attempt (this one, when it is the first).
    pub first_attempt_at: Option<Timestamp>,
    pub attempt: Attempt,
}

/// A due event moved to a later time (the circuit is open, the rate limit is spent), with a
/// timeline mark `(kind, text)` when there is something to say.
#[derive(Debug, Clone)]
pub struct Deferral {
    pub id: EventId,
    pub until: Timestamp,
    pub note: Option<(&'static str, String)>,
}

/// What one claim job did: per event asked, its claim (`None`: no longer due, so not claimed),
/// and the summary after each deferral that left a mark (to publish).
#[derive(Debug, Clone, Default)]
pub struct Claims {
    pub claimed: Vec<Option<Claimed>>,
    pub marked: Vec<EventSummary>,
}

/// A claimed event's row after the claim: its summary, first attempt time and new attempt's id.
pub type ClaimRow = (EventSummary, Option<Timestamp>, AttemptId);

/// Claims a due event for an attempt: the event becomes `delivering` and an in-flight attempt row
/// is written, together. `None` when the event is no longer due (cancelled, moved or claimed
/// meanwhile). Nothing is read back: the row's new values come from `RETURNING`. `request_json`
/// is the request as it will be sent, encoded.
pub fn claim_row(
    conn: &Connection,
    id: EventId,
    request_json: &str,
    now: Timestamp,
) -> Result<Option<ClaimRow>, StoreError> {
    let mut update = conn.prepare_cached(&format!(
        "UPDATE events SET state = 'delivering', next_attempt_at = NULL, attempts = attempts + 1,
                first_attempt_at = COALESCE(first_attempt_at, ?2), updated_at = ?2
         WHERE id = ?1 AND state IN ('pending', 'retrying') AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?2
         RETURNING {SUMMARY}, first_attempt_at"
    ))?;
    let claimed = update.query_row(params![id, now], |row| Ok((summary(row)?, row.get(FULL_AT)?))).optional()?;
    let Some((summary, first_attempt_at)) = claimed else { return Ok(None) };
    let mut insert = conn.prepare_cached(
        "INSERT INTO attempts (event_id, number, state, started_at, request) VALUES (?1, ?2, 'in_flight', ?3, ?4)",
    )?;
    insert.execute(params![id, summary.attempt_count, now, request_json])?;
    Ok(Some((summary, first_attempt_at, conn.last_insert_rowid())))
}

/// The in-flight attempt a claim wrote, as stored.
pub fn claimed(row: ClaimRow, request: SentRequest, now: Timestamp) -> Claimed {
    let (summary, first_attempt_at, attempt_id) = row;
    let attempt = Attempt {
        id: attempt_id,
        event_id: summary.id,
        number: summary.attempt_count,
        state: AttemptState::InFlight,
        started_at: now,
        finished_at: None,
        duration_ms: None,
        request,
        response: None,
        error_class: None,
        error: None,
        next: None,
        breaker: None,
    };
    Claimed { summary, first_attempt_at, attempt }
}

/// Claims a due event for an attempt (see [`claim_row`]).
pub fn claim(
    conn: &Connection,
    id: EventId,
    request: &SentRequest,
    now: Timestamp,
) -> Result<Option<(EventSummary, Attempt)>, StoreError> {
    let row = claim_row(conn, id, &json(request)?, now)?;
    Ok(row.map(|row| claimed(row, request.clone(), now)).map(|c| (c.summary, c.attempt)))
}

/// One scheduler batch in one transaction: claims every event to start (each with its request,
/// already encoded) and moves every deferred one. Returns the claims in order and the summaries
/// of the deferred events that got a mark. Only SQL: it may run again after a rollback.
pub fn claim_many(
    conn: &Connection,
    starts: &[(EventId, String)],
    deferrals: &[Deferral],
    now: Timestamp,
) -> Result<(Vec<Option<ClaimRow>>, Vec<EventSummary>), StoreError> {
    let mut rows = Vec::with_capacity(starts.len());
    for (id, encoded) in starts {
        rows.push(claim_row(conn, *id, encoded, now)?);
    }
    let mut marked = Vec::new();
    for d in deferrals {
        let note = d.note.as_ref().map(|(kind, text)| (*kind, text.as_str()));
        if defer(conn, d.id, d.until, now, note)?
            && note.is_some()
            && let Some(summary) = get_summary(conn, d.id)?
        {
            marked.push(summary);
        }
    }
    Ok((rows, marked))
}

/// What finishing an attempt does to its event.
#[derive(Debug, Clone)]
pub struct Finish {
    pub attempt_id: AttemptId,
    pub result: AttemptResult,
    pub next: NextStep,
    pub breaker: Option<Transition>,
    /// The target's breaker after the change, saved with the attempt: `(target_key, state)`.
    pub breaker_state: Option<(String, BreakerState)>,
}

/// A [`Finish`]'s JSON columns, encoded before the writer runs it (the writer's thread is the
/// store's bottleneck: it only runs SQL).
#[derive(Debug, Clone)]
pub struct FinishJson {
    response: Option<String>,
    next: String,
    breaker: Option<String>,
}

pub fn encode_finish(f: &Finish) -> Result<FinishJson, StoreError> {
    Ok(FinishJson {
        response: f.result.response.as_ref().map(json).transpose()?,
        next: json(&f.next)?,
        breaker: f.breaker.as_ref().map(json).transpose()?,
    })
}

/// Records how an attempt ended and moves its event on (delivered, retrying at a time, or dead),
/// in one transaction. An event cancelled while its attempt was in flight stays cancelled unless
/// that attempt delivered it. Returns the event's summary after it, from `RETURNING`: nothing is
/// read back (the finished attempt is what the caller already holds).
pub fn finish_summary(conn: &Connection, f: &Finish, encoded: &FinishJson) -> Result<EventSummary, StoreError> {
    let r = &f.result;
    let status = r.response.as_ref().map(|res| res.status);
    let mut update_attempt = conn.prepare_cached(
        "UPDATE attempts SET state = 'finished', finished_at = ?2, duration_ms = ?3, response_status = ?4,
                response = ?5, error_class = ?6, error = ?7, next = ?8, breaker = ?9
         WHERE id = ?1 RETURNING event_id",
    )?;
    let event_id: EventId = update_attempt.query_row(
        params![
            f.attempt_id,
            r.finished_at,
            r.duration_ms,
            status,
            encoded.response,
            r.error_class.map(class_text),
            r.error,
            encoded.next,
            encoded.breaker
        ],
        |row| row.get(0),
    )?;
    let (state, next_at, dead_reason) = match &f.next {
        NextStep::Done => (EventState::Delivered, None, None),
        NextStep::RetryAt { at, .. } => (EventState::Retrying, Some(*at), None),
        NextStep::GiveUp { because } => (EventState::Dead, None, Some(because.as_str())),
    };
    let last_error = r.error.clone().or_else(|| r.error_class.map(|c| c.describe().to_owned()));
    let mut update_event = conn.prepare_cached(&format!(
        "UPDATE events SET
            state = CASE WHEN state = 'cancelled' AND ?2 <> 'delivered' THEN 'cancelled' ELSE ?2 END,
            next_attempt_at = CASE WHEN state = 'cancelled' THEN NULL ELSE ?3 END,
            dead_reason = CASE WHEN state = 'cancelled' THEN dead_reason ELSE ?4 END,
            last_status = ?5, last_error = ?6, updated_at = ?7
         WHERE id = ?1 RETURNING {SUMMARY}"
    ))?;
    let summary = update_event.query_row(
        params![event_id, state.as_str(), next_at, dead_reason, status, last_error, r.finished_at],
        summary,
    )?;
    if let Some(t) = &f.breaker {
        mark(conn, event_id, r.finished_at, transition_kind(t), &t.describe())?;
    }
    if let Some((key, state)) = &f.breaker_state {
        crate::breakers::save(conn, key, state, r.finished_at)?;
    }
    Ok(summary)
}

/// [`finish_summary`], with the finished attempt read back.
pub fn finish(conn: &Connection, f: &Finish) -> Result<(EventSummary, Attempt), StoreError> {
    let summary = finish_summary(conn, f, &encode_finish(f)?)?;
    let attempt = get_attempt(conn, f.attempt_id)?.ok_or(StoreError::WorkerGone)?;
    Ok((summary, attempt))
}

pub fn transition_kind(t: &Transition) -> &'static str {
    match t {
        Transition::Opened { .. } => "breaker_opened",
        Transition::Reopened { .. } => "breaker_reopened",
        Transition::Closed { .. } => "breaker_closed",
    }
}

fn class_text(class: ErrorClass) -> String {
    serde_json::to_value(class).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// After a crash: attempts still in flight are marked interrupted, and their events are due at
/// once (at-least-once: the target may see that attempt twice, never zero times). Returns the events.
pub fn recover(conn: &Connection, now: Timestamp) -> Result<Vec<EventId>, StoreError> {
    let mut stmt = conn.prepare("SELECT id, event_id FROM attempts WHERE state = 'in_flight'")?;
    let stranded: Vec<(AttemptId, EventId)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    let class = ErrorClass::Interrupted;
    for (attempt_id, event_id) in &stranded {
        conn.execute(
            "UPDATE attempts SET state = 'interrupted', finished_at = ?2, error_class = ?3, error = ?4 WHERE id = ?1",
            params![attempt_id, now, class_text(class), "the engine stopped while this attempt was in flight"],
        )?;
        conn.execute(
            "UPDATE events SET state = CASE WHEN state = 'delivering' THEN 'retrying' ELSE state END,
                    next_attempt_at = CASE WHEN state = 'delivering' THEN ?2 ELSE next_attempt_at END,
                    last_error = ?3, updated_at = ?2
             WHERE id = ?1",
            params![event_id, now, class.describe()],
        )?;
        mark(conn, *event_id, now, "recovered", "the engine restarted mid-attempt: retried at once")?;
    }
    // An event left `delivering` without an attempt row cannot happen (claimed together), but if
    // a store was edited by hand, make it due rather than stuck.
    conn.execute(
        "UPDATE events SET state = 'retrying', next_attempt_at = ?1 WHERE state = 'delivering'
         AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.event_id = events.id AND a.state = 'in_flight')",
        [now],
    )?;
    Ok(stranded.into_iter().map(|(_, e)| e).collect())
}

const ATTEMPT: &str = "id, event_id, number, state, started_at, finished_at, duration_ms, request, response, \
                       error_class, error, next, breaker";

fn attempt(row: &Row<'_>) -> rusqlite::Result<Attempt> {
    let state: String = row.get(3)?;
    let class: Option<String> = row.get(9)?;
    Ok(Attempt {
        id: row.get(0)?,
        event_id: row.get(1)?,
        number: row.get(2)?,
        state: AttemptState::parse(&state),
        started_at: row.get(4)?,
        finished_at: row.get(5)?,
        duration_ms: row.get(6)?,
        request: from_json(row.get(7)?).unwrap_or(SentRequest {
            method: String::new(),
            url: String::new(),
            headers: Vec::new(),
        }),
        response: from_json(row.get(8)?),
        error_class: class.and_then(|c| serde_json::from_value(serde_json::Value::String(c)).ok()),
        error: row.get(10)?,
        next: from_json(row.get(11)?),
        breaker: from_json(row.get(12)?),
    })
}

fn get_attempt(conn: &Connection, id: AttemptId) -> Result<Option<Attempt>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {ATTEMPT} FROM attempts WHERE id = ?1"))?;
    Ok(stmt.query_row([id], attempt).optional()?)
}

pub fn attempts(conn: &Connection, event_id: EventId) -> Result<Vec<Attempt>, StoreError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {ATTEMPT} FROM attempts WHERE event_id = ?1 ORDER BY number, id"))?;
    Ok(stmt.query_map([event_id], attempt)?.collect::<Result<_, _>>()?)
}

pub fn marks(conn: &Connection, event_id: EventId) -> Result<Vec<TimelineMark>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT at, kind, text FROM event_marks WHERE event_id = ?1 ORDER BY id")?;
    Ok(stmt
        .query_map([event_id], |r| Ok(TimelineMark { at: r.get(0)?, kind: r.get(1)?, text: r.get(2)? }))?
        .collect::<Result<_, _>>()?)
}

pub fn list(conn: &Connection, filter: &EventFilter) -> Result<EventPage, StoreError> {
    let mut clauses = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if let Some(state) = filter.state {
        values.push(Value::Text(state.as_str().to_owned()));
        clauses.push(format!("state = ?{}", values.len()));
    }
    if let Some(destination) = filter.destination_id {
        values.push(Value::Integer(destination));
        clauses.push(format!("destination_id = ?{}", values.len()));
    }
    if let Some(before) = filter.before {
        values.push(Value::Integer(before));
        clauses.push(format!("id < ?{}", values.len()));
    }
    let limit = filter.limit.clamp(1, 500);
    values.push(Value::Integer(i64::from(limit) + 1));
    let where_sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    let sql = format!("SELECT {SUMMARY} FROM events {where_sql} ORDER BY id DESC LIMIT ?{}", values.len());
    let mut stmt = conn.prepare(&sql)?;
    let mut items: Vec<EventSummary> = stmt.query_map(params_from_iter(values), summary)?.collect::<Result<_, _>>()?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|e| e.id)
    } else {
        None
    };
    Ok(EventPage { items, next_cursor })
}

/// Makes an event due now (a person asked): from retrying, dead or cancelled. `Err(Conflict)`
/// when it is delivered or an attempt is in flight.
pub fn retry_now(conn: &Connection, id: EventId, now: Timestamp) -> Result<Option<EventSummary>, StoreError> {
    let Some(current) = get_summary(conn, id)? else { return Ok(None) };
    if matches!(current.state, EventState::Delivered | EventState::Delivering) {
        return Err(StoreError::Conflict(format!("event {id} is {}: nothing to retry", current.state.as_str())));
    }
    conn.execute(
        "UPDATE events SET state = CASE WHEN state IN ('pending', 'held') THEN 'pending' ELSE 'retrying' END,
                next_attempt_at = ?2, dead_reason = NULL, updated_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    mark(conn, id, now, "retry_requested", "retry requested: due now")?;
    get_summary(conn, id)
}

/// Stops further attempts. An attempt in flight finishes, and only a delivery changes the state.
pub fn cancel(conn: &Connection, id: EventId, now: Timestamp) -> Result<Option<EventSummary>, StoreError> {
    let Some(current) = get_summary(conn, id)? else { return Ok(None) };
    if current.state.is_final() {
        return Err(StoreError::Conflict(format!("event {id} is already {}", current.state.as_str())));
    }
    conn.execute(
        "UPDATE events SET state = 'cancelled', next_attempt_at = NULL, updated_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    mark(conn, id, now, "cancelled", "cancelled: no more attempts")?;
    get_summary(conn, id)
}

/// Makes waiting events due at `now` (those due later), each with a mark; returns how many moved.
pub fn make_due(conn: &Connection, ids: &[EventId], now: Timestamp, text: &str) -> Result<usize, StoreError> {
    let mut moved = 0;
    for id in ids {
        if conn.execute(
            "UPDATE events SET next_attempt_at = ?2, updated_at = ?2 WHERE id = ?1 AND next_attempt_at > ?2",
            params![id, now],
        )? > 0
        {
            mark(conn, *id, now, "breaker_released", text)?;
            moved += 1;
        }
    }
    Ok(moved)
}

/// Adds a mark to an event's timeline on its own.
pub fn add_mark(conn: &Connection, id: EventId, at: Timestamp, kind: &str, text: &str) -> Result<(), StoreError> {
    mark(conn, id, at, kind, text)
}

/// Dead letters per destination, most first.
pub fn dead_letter_counts(conn: &Connection) -> Result<Vec<DeadLetterCount>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT destination_id, COUNT(*) FROM events INDEXED BY events_state WHERE state = 'dead'
         GROUP BY destination_id ORDER BY COUNT(*) DESC, destination_id",
    )?;
    Ok(stmt
        .query_map([], |r| Ok(DeadLetterCount { destination_id: r.get(0)?, count: r.get(1)? }))?
        .collect::<Result<_, _>>()?)
}

/// Moves the due time of every waiting retry that runs at the global time scale (its own scale is
/// 1×) so the time still to wait is `ratio` times what it was, with a timeline mark; returns the
/// events moved and their new due times.
pub fn rescale_waiting(
    conn: &Connection,
    now: Timestamp,
    ratio: f64,
    text: &str,
) -> Result<Vec<(EventId, Timestamp)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE events SET next_attempt_at = ?1 + CAST(ROUND((next_attempt_at - ?1) * ?2) AS INTEGER), updated_at = ?1
         WHERE state = 'retrying' AND next_attempt_at > ?1 AND json_extract(settings, '$.time_scale') = 1
         RETURNING id, next_attempt_at",
    )?;
    let moved: Vec<(EventId, Timestamp)> =
        stmt.query_map(params![now, ratio], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    for (id, _) in &moved {
        mark(conn, *id, now, "rescaled", text)?;
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::Store;

    const T0: Timestamp = 1_796_000_000_000;

    fn new_event(key: &str, url: &str) -> NewEvent {
        NewEvent::new(EventOrigin::Send, url.into(), key.into(), DeliverySettings::default())
    }

    fn request(url: &str) -> SentRequest {
        SentRequest { method: "POST".into(), url: url.into(), headers: Vec::new() }
    }

    async fn stored(store: &Store, n: usize, url: &str) -> Vec<EventId> {
        let mut ids = Vec::new();
        for i in 0..n {
            ids.push(store.insert_event(new_event(&format!("msg_{i}"), url), T0).await.unwrap().summary.id);
        }
        ids
    }

    /// One job claims what is still due (a cancelled one is left alone), moves a deferred one with
    /// its mark, and answers with what it wrote, equal to what a read gives afterwards.
    #[tokio::test]
    async fn one_claim_job_claims_the_due_skips_the_cancelled_and_defers_with_a_mark() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let url = "http://127.0.0.1:9/hook";
        let ids = stored(&store, 4, url).await;
        store.cancel_event(ids[1], T0).await.unwrap();
        let starts = vec![(ids[0], request(url)), (ids[1], request(url)), (ids[2], request(url))];
        let note = Some(("breaker_deferred", "circuit open: probe at +1m".to_owned()));
        let deferrals = vec![Deferral { id: ids[3], until: T0 + 60_000, note }];
        let claims = store.claim_events(starts, deferrals, T0 + 5).await.unwrap();

        assert_eq!(claims.claimed.len(), 3);
        assert!(claims.claimed[1].is_none(), "a cancelled event is not claimed");
        for (i, claimed) in [(0, &claims.claimed[0]), (2, &claims.claimed[2])] {
            let claimed = claimed.as_ref().unwrap();
            let read = store.get_event(ids[i]).await.unwrap().unwrap();
            assert_eq!(claimed.summary, read.summary, "the claim's summary is the row as stored");
            assert_eq!(claimed.first_attempt_at, Some(T0 + 5));
            let (attempts, _) = store.event_timeline(ids[i]).await.unwrap();
            assert_eq!(attempts.len(), 1);
            assert_eq!(attempts[0], claimed.attempt, "the attempt returned is the row written");
            assert_eq!(claimed.attempt.state, AttemptState::InFlight);
        }
        assert_eq!(claims.marked.len(), 1);
        assert_eq!(claims.marked[0].next_attempt_at, Some(T0 + 60_000));
        let (_, marks) = store.event_timeline(ids[3]).await.unwrap();
        assert_eq!(marks[0].kind, "breaker_deferred");
        assert_eq!(store.get_event(ids[1]).await.unwrap().unwrap().summary.state, EventState::Cancelled);
    }

    /// A batch claimed in one job and never finished (the process died with the requests out) is
    /// found on the next open: every attempt interrupted, every event due at once.
    #[tokio::test]
    async fn a_claimed_batch_killed_mid_flight_is_recovered_whole() {
        let dir = tempfile::tempdir().unwrap();
        let url = "http://127.0.0.1:9/hook";
        let ids = {
            let store = Store::open(dir.path()).unwrap();
            let ids = stored(&store, 3, url).await;
            let starts = ids.iter().map(|id| (*id, request(url))).collect();
            let claims = store.claim_events(starts, Vec::new(), T0).await.unwrap();
            assert!(claims.claimed.iter().all(Option::is_some));
            // No finish: the writer is closed as a kill leaves it, with the claims committed.
            store.close().await;
            ids
        };
        let store = Store::open(dir.path()).unwrap();
        let later = T0 + 7_000;
        let mut recovered = store.recover_interrupted(later).await.unwrap();
        recovered.sort();
        assert_eq!(recovered, ids, "every event of the batch is found");
        for id in &ids {
            let event = store.get_event(*id).await.unwrap().unwrap();
            assert_eq!((event.summary.state, event.summary.next_attempt_at), (EventState::Retrying, Some(later)));
            let (attempts, _) = store.event_timeline(*id).await.unwrap();
            assert_eq!(attempts.len(), 1);
            assert_eq!(attempts[0].state, AttemptState::Interrupted);
        }
        let due = store.due_head(later, HashMap::new(), 10, 10).await.unwrap();
        assert_eq!(due.events.len(), 3, "due again, at-least-once");
    }

    /// Target by target: a target without room gives none of its due events, one with a little
    /// room gives that many, in due order; events not yet due are not read. From the head: the
    /// due events past a target's room are skipped, and past the budget the read says `blocked`.
    #[tokio::test]
    async fn due_reads_respect_each_targets_room() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = stored(&store, 3, "http://127.0.0.1:1/a").await;
        let b = stored(&store, 2, "http://127.0.0.1:2/b").await;
        let c = store.insert_event(new_event("msg_c", "http://127.0.0.1:3/c"), T0 + 10).await.unwrap().summary.id;
        let ids = |read: DueRead| read.events.into_iter().map(|e| e.id).collect::<Vec<_>>();
        let room = |r: &[(&str, u32)]| r.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect::<HashMap<_, _>>();
        let none = HashMap::new();
        let one_of = |n: u32| room(&[("http://127.0.0.1:1", n)]);

        let all = store.due_by_target(T0, none.clone(), 10).await.unwrap();
        assert!(!all.more && !all.backlogged, "every due event read");
        assert!(store.due_by_target(T0, one_of(1), 10).await.unwrap().backlogged, "two of a left past its room");
        assert!(store.due_by_target(T0, one_of(0), 10).await.unwrap().backlogged, "a has no room and events");
        assert!(!store.due_by_target(T0, one_of(3), 10).await.unwrap().backlogged, "a's room holds all three");
        assert_eq!(ids(all), [a.clone(), b.clone()].concat(), "both targets, due order; the later one not yet");
        let full_a = room(&[("http://127.0.0.1:1", 0)]);
        assert_eq!(ids(store.due_by_target(T0, full_a.clone(), 10).await.unwrap()), b, "no room: none read");
        let one_of_a = room(&[("http://127.0.0.1:1", 1)]);
        assert_eq!(ids(store.due_by_target(T0, one_of_a.clone(), 10).await.unwrap()), [a[0], b[0], b[1]]);
        let limited = store.due_by_target(T0, none.clone(), 2).await.unwrap();
        assert!(limited.more, "the limit cut the read short");
        assert_eq!(ids(limited), a[..2]);

        assert_eq!(ids(store.due_head(T0 + 10, none.clone(), 10, 4).await.unwrap()), [&a[..], &b[..], &[c]].concat());
        assert_eq!(ids(store.due_head(T0, one_of_a, 10, 4).await.unwrap()), [a[0], b[0], b[1]]);
        let blocked = store.due_head(T0, full_a.clone(), 10, 2).await.unwrap();
        assert!(blocked.blocked && blocked.more, "two of a skipped: the budget is spent");
        assert!(blocked.events.is_empty(), "{:?}", blocked.events);
        // The scheduler's one read: blocked at the head, it goes on target by target, and says
        // when the next event is due.
        let batch = store.due(T0, full_a, 10, 2, false).await.unwrap();
        assert_eq!((batch.blocked, batch.next_due), (true, Some(T0 + 10)));
        assert_eq!(ids(batch), b, "past the full target, the other one's due events");
    }
}
