//! The `captures` and `capture_bodies` tables: every inbound request, its headers and its raw body.
//!
//! Bodies live in their own table so listing a page of captures never reads payload pages.

use hookbench_domain::capture::{HeaderView, decode_headers, encode_headers};
use hookbench_domain::dedupe::DuplicateResponse;
use hookbench_domain::endpoint::EndpointId;
use hookbench_domain::outbox::{Event, EventId, EventState, EventSummary, NewEvent};
use hookbench_domain::{
    Capture, CaptureFilter, CaptureId, CapturePage, CaptureSummary, NewCapture, StoredCapture, Timestamp,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::{Store, StoreError, StoredBody};

pub const SCHEMA_V1: &str = "
CREATE TABLE captures (
    id              INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: SSE clients and cursors rely on it
    received_at     INTEGER NOT NULL,                  -- unix ms
    method          TEXT    NOT NULL,
    path            TEXT    NOT NULL,
    query           TEXT,
    url             TEXT    NOT NULL,
    http_version    TEXT    NOT NULL,
    remote_addr     TEXT    NOT NULL,
    headers         BLOB    NOT NULL,                  -- JSON [{name, value, value_base64?}] in received order
    content_type    TEXT,
    body_size       INTEGER NOT NULL,
    body_stored     INTEGER NOT NULL,
    response_status INTEGER NOT NULL
) STRICT;
CREATE TABLE capture_bodies (
    capture_id INTEGER PRIMARY KEY REFERENCES captures(id) ON DELETE CASCADE,
    body       BLOB NOT NULL
) STRICT;
CREATE INDEX captures_method ON captures(method, id);
";

const SUMMARY_COLUMNS: &str = "id, received_at, method, path, query, content_type, body_size, body_stored, response_status, \
     remote_addr, endpoint_id, verdict_valid, duplicate_of, duplicate_count, faults, response_note";

pub const SCHEMA_V3: &str = "
ALTER TABLE captures ADD COLUMN faults        TEXT; -- JSON array of sentences: the fault plans that shaped the answer
ALTER TABLE captures ADD COLUMN response_note TEXT; -- how the answer was made: a rule, a reset, a hold
";

/// Bodies may be stored compressed (zstd): `encoding` says how each one is. Bodies stored before
/// V14 stay as they are (encoding 0); every read path decodes, so what is read is byte-exact.
pub const SCHEMA_V14: &str = "
ALTER TABLE capture_bodies ADD COLUMN encoding INTEGER NOT NULL DEFAULT 0; -- 0: as received, 1: zstd
";

/// `capture_bodies.encoding`: the bytes as received.
const RAW: i64 = 0;
/// `capture_bodies.encoding`: a zstd frame of the bytes as received.
const ZSTD: i64 = 1;
/// zstd's fast levels cost a few microseconds per KiB, on the caller's thread (never the writer's).
const ZSTD_LEVEL: i32 = 1;
/// Shorter bodies are stored as they are: a zstd frame would save next to nothing.
const PACK_MIN: usize = 64;
/// Longer bodies are compressed on a blocking thread, not on the async worker that received them.
const PACK_INLINE_MAX: usize = 256 * 1024;

/// How a capture's body is stored: compressed when that is smaller, else as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackedBody {
    /// Store `NewCapture::body` as it is.
    Raw,
    Zstd(Vec<u8>),
}

/// Compresses a body for storage (see `PackedBody`).
pub fn pack(body: Option<&[u8]>) -> PackedBody {
    match body {
        Some(bytes) if bytes.len() >= PACK_MIN => match zstd::bulk::compress(bytes, ZSTD_LEVEL) {
            Ok(packed) if packed.len() < bytes.len() => PackedBody::Zstd(packed),
            _ => PackedBody::Raw,
        },
        _ => PackedBody::Raw,
    }
}

/// `pack` for a capture about to be stored: inline for usual sizes, on a blocking thread for big ones.
pub async fn pack_for(capture: &NewCapture) -> PackedBody {
    match &capture.body {
        Some(body) if body.len() > PACK_INLINE_MAX => {
            let body = body.clone();
            tokio::task::spawn_blocking(move || pack(Some(&body))).await.unwrap_or(PackedBody::Raw)
        }
        body => pack(body.as_deref()),
    }
}

/// The bytes as received from a stored body and its encoding.
fn unpack(id: CaptureId, stored: Vec<u8>, encoding: i64) -> Result<Vec<u8>, StoreError> {
    match encoding {
        RAW => Ok(stored),
        ZSTD => zstd::stream::decode_all(stored.as_slice())
            .map_err(|e| StoreError::Invalid(format!("the stored body of capture {id} cannot be decompressed: {e}"))),
        other => Err(StoreError::Invalid(format!("the stored body of capture {id} has an unknown encoding {other}"))),
    }
}

/// Stores a capture; when it carries an idempotency key, claims the key in the same transaction.
/// The claim is an upsert on the key's primary key, so two racing copies yield exactly one original.
/// Compresses the body here: callers on the capture path use `insert_packed` with `pack_for`'s work.
pub fn insert(conn: &Connection, c: &NewCapture) -> Result<StoredCapture, StoreError> {
    insert_packed(conn, c, &pack(c.body.as_deref()))
}

/// `insert` with the body already packed (`pack`/`pack_for`, on the caller's thread).
pub fn insert_packed(conn: &Connection, c: &NewCapture, packed: &PackedBody) -> Result<StoredCapture, StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO captures (received_at, method, path, query, url, http_version, remote_addr, headers,
                               content_type, body_size, body_stored, response_status, endpoint_id,
                               verdict, verdict_valid, dedupe_key, faults, response_note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?;
    stmt.execute(params![
        c.received_at,
        c.method,
        c.path,
        c.query,
        c.url,
        c.http_version,
        c.remote_addr,
        encode_headers(&c.headers),
        c.content_type,
        i64::try_from(c.body_size).unwrap_or(i64::MAX),
        c.body.is_some(),
        c.response_status,
        c.endpoint_id,
        c.verdict_json,
        c.verdict_valid,
        c.dedupe.as_ref().map(|d| d.key.as_str()),
        if c.faults.is_empty() { None } else { serde_json::to_string(&c.faults).ok() },
        c.response_note,
    ])?;
    let id = conn.last_insert_rowid();
    if let Some(body) = &c.body {
        let (bytes, encoding) = match packed {
            PackedBody::Raw => (body.as_ref(), RAW),
            PackedBody::Zstd(z) => (z.as_slice(), ZSTD),
        };
        let mut stmt =
            conn.prepare_cached("INSERT INTO capture_bodies (capture_id, body, encoding) VALUES (?1, ?2, ?3)")?;
        stmt.execute(params![id, bytes, encoding])?;
    }
    // The search index's row, written once here (no trigger: see `search`).
    let (target, headers, body) = crate::search::index_text(&c.path, c.query.as_deref(), &c.headers, c.body.as_deref());
    conn.prepare_cached("INSERT INTO captures_fts (rowid, target, headers, body) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![id, target, headers, body.as_ref()])?;
    let mut stored = StoredCapture { id, duplicate_of: None, response_status: c.response_status };
    let Some(claim) = &c.dedupe else { return Ok(stored) };
    let claimed = conn
        .prepare_cached(
            "INSERT INTO dedupe_keys (endpoint_id, key, first_capture_id, expires_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (endpoint_id, key) DO UPDATE
            SET first_capture_id = excluded.first_capture_id, expires_at = excluded.expires_at
          WHERE dedupe_keys.expires_at <= ?5",
        )?
        .execute(params![c.endpoint_id, claim.key, id, claim.expires_at, claim.now])?;
    if claimed == 1 {
        return Ok(stored);
    }
    let (first, first_status): (CaptureId, u16) = conn
        .prepare_cached(
            "SELECT k.first_capture_id, coalesce(c.response_status, 200) FROM dedupe_keys k
             LEFT JOIN captures c ON c.id = k.first_capture_id WHERE k.endpoint_id = ?1 AND k.key = ?2",
        )?
        .query_row(params![c.endpoint_id, claim.key], |r| Ok((r.get(0)?, r.get(1)?)))?;
    stored.duplicate_of = Some(first);
    if (200..300).contains(&c.response_status) {
        stored.response_status = match claim.on_duplicate {
            DuplicateResponse::SameAsFirst => first_status,
            DuplicateResponse::OkDuplicate => 200,
            DuplicateResponse::Conflict => 409,
        };
    }
    conn.prepare_cached("UPDATE captures SET duplicate_of = ?2, response_status = ?3 WHERE id = ?1")?
        .execute(params![id, first, stored.response_status])?;
    conn.prepare_cached("UPDATE captures SET duplicate_count = duplicate_count + 1 WHERE id = ?1")?.execute([first])?;
    Ok(stored)
}

pub fn delete(conn: &Connection, id: CaptureId) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM captures WHERE id = ?1", [id])? > 0)
}

pub fn clear(conn: &Connection) -> Result<u64, StoreError> {
    conn.execute("DELETE FROM capture_bodies", [])?;
    conn.execute("DELETE FROM dedupe_keys", [])?;
    Ok(conn.execute("DELETE FROM captures", [])? as u64)
}

fn summary(row: &Row<'_>) -> rusqlite::Result<CaptureSummary> {
    Ok(CaptureSummary {
        id: row.get(0)?,
        received_at: CaptureSummary::received_at_string(row.get(1)?),
        method: row.get(2)?,
        path: row.get(3)?,
        query: row.get(4)?,
        content_type: row.get(5)?,
        body_size: u64::try_from(row.get::<_, i64>(6)?).unwrap_or(0),
        body_stored: row.get(7)?,
        response_status: row.get(8)?,
        remote_addr: row.get(9)?,
        endpoint_id: row.get(10)?,
        verdict_valid: row.get(11)?,
        duplicate_of: row.get(12)?,
        duplicate_count: row.get(13)?,
        faults: row.get::<_, Option<String>>(14)?.and_then(|f| serde_json::from_str(&f).ok()).unwrap_or_default(),
        response_note: row.get(15)?,
    })
}

/// The filters other than the search and the cursor, as `AND`-joined conditions on `captures`.
fn conditions(filter: &CaptureFilter) -> (Vec<&'static str>, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut clauses = Vec::new();
    let mut args = Vec::new();
    if let Some(method) = filter.method.as_deref().filter(|m| !m.is_empty()) {
        clauses.push("method = ?");
        args.push(Value::Text(method.to_ascii_uppercase()));
    }
    if let Some(q) = filter.path_contains.as_deref().filter(|q| !q.is_empty()) {
        clauses.push("instr(lower(path || coalesce('?' || query, '')), lower(?)) > 0");
        args.push(Value::Text(q.to_owned()));
    }
    if let Some(endpoint) = filter.endpoint_id {
        clauses.push("endpoint_id = ?");
        args.push(Value::Integer(endpoint));
    }
    if let Some(valid) = filter.verdict_valid {
        clauses.push("verdict_valid = ?");
        args.push(Value::Integer(valid.into()));
    }
    match filter.duplicate {
        Some(true) => clauses.push("duplicate_of IS NOT NULL"),
        Some(false) => clauses.push("duplicate_of IS NULL"),
        None => {}
    }
    if let Some(status) = filter.status {
        clauses.push("response_status = ?");
        args.push(Value::Integer(status.into()));
    }
    for (clause, at) in crate::search::time_clauses(filter.since, filter.until) {
        clauses.push(clause);
        args.push(Value::Integer(at));
    }
    (clauses, args)
}

/// The `FROM … WHERE …` of a list and its arguments; `with_cursor` adds the `before` bound. With a
/// search (`query`: `search::expanded_query`'s text) the index drives (see `search`), its rowid
/// carrying the cursor so FTS5 seeks to it. Also returns the column the list is ordered by.
fn from_where(
    filter: &CaptureFilter,
    query: Option<&str>,
    with_cursor: bool,
) -> (String, Vec<rusqlite::types::Value>, &'static str) {
    use rusqlite::types::Value;
    let (mut clauses, mut args) = conditions(filter);
    let (mut sql, key) = match query {
        Some(query) => {
            args.insert(0, Value::Text(query.to_owned()));
            (crate::search::MATCH_FROM.to_owned(), "captures_fts.rowid")
        }
        None => ("captures WHERE 1".to_owned(), "id"),
    };
    if let (true, Some(before)) = (with_cursor, filter.before) {
        clauses.push(if query.is_some() { "captures_fts.rowid < ?" } else { "id < ?" });
        args.push(Value::Integer(before));
    }
    for clause in clauses {
        sql.push_str(" AND ");
        sql.push_str(clause);
    }
    (sql, args, key)
}

pub fn list(conn: &Connection, filter: &CaptureFilter) -> Result<CapturePage, StoreError> {
    let limit = filter.limit.clamp(1, 500);
    // Search text without a letter or digit searches for nothing: the list is not narrowed.
    let query = match filter.text.as_deref() {
        Some(text) => crate::search::expanded_query(conn, text)?,
        None => None,
    };
    let (from_where_sql, mut args, key) = from_where(filter, query.as_deref(), true);
    args.push(rusqlite::types::Value::Integer(limit as i64 + 1));
    let columns = SUMMARY_COLUMNS.replacen("id,", "captures.id,", 1);
    let sql = format!("SELECT {columns} FROM {from_where_sql} ORDER BY {key} DESC LIMIT ?");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut items = stmt.query_map(rusqlite::params_from_iter(args), summary)?.collect::<Result<Vec<_>, _>>()?;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|c| c.id)
    } else {
        None
    };
    let (total, total_capped) = count(conn, filter, query.as_deref())?;
    Ok(CapturePage { items, next_cursor, total, total_capped })
}

/// How many captures match the filter (ignoring the cursor), counting no further than
/// `CAPTURE_COUNT_CAP`: `(count, true)` when there are more. A full count of a million rows would
/// cost more than the page it comes with.
fn count(conn: &Connection, filter: &CaptureFilter, query: Option<&str>) -> Result<(u64, bool), StoreError> {
    use hookbench_domain::capture::CAPTURE_COUNT_CAP;
    let (mut from_where_sql, mut args, _) = from_where(filter, query, false);
    if query.is_some() && conditions(filter).0.is_empty() {
        // A search alone counts index rows, without reading each capture: every index row has its
        // capture (a delete removes both in one transaction).
        from_where_sql = "captures_fts WHERE captures_fts MATCH ?".to_owned();
    }
    args.push(rusqlite::types::Value::Integer(i64::try_from(CAPTURE_COUNT_CAP).unwrap_or(i64::MAX) + 1));
    let counted: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM (SELECT 1 FROM {from_where_sql} LIMIT ?)"))?
        .query_row(rusqlite::params_from_iter(args), |r| r.get(0))?;
    let counted = u64::try_from(counted).unwrap_or(0);
    Ok(if counted > CAPTURE_COUNT_CAP { (CAPTURE_COUNT_CAP, true) } else { (counted, false) })
}

pub fn get(conn: &Connection, id: CaptureId) -> Result<Option<Capture>, StoreError> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, url, http_version, headers, b.body, dedupe_key, verdict, b.encoding
         FROM captures LEFT JOIN capture_bodies b ON b.capture_id = captures.id WHERE id = ?1"
    );
    let row = conn
        .prepare_cached(&sql)?
        .query_row([id], |row| {
            let s = summary(row)?;
            let url: String = row.get(16)?;
            let version: String = row.get(17)?;
            let headers: Vec<u8> = row.get(18)?;
            let body: Option<Vec<u8>> = row.get(19)?;
            let key: Option<String> = row.get(20)?;
            let verdict: Option<String> = row.get(21)?;
            let encoding: Option<i64> = row.get(22)?;
            Ok((s, url, version, headers, body.map(|b| (b, encoding.unwrap_or(RAW))), key, verdict))
        })
        .optional()?;
    let row = match row {
        Some((s, url, version, headers, body, key, verdict)) => {
            let body = body.map(|(b, encoding)| unpack(id, b, encoding)).transpose()?;
            Some((s, url, version, headers, body, key, verdict))
        }
        None => None,
    };
    let capture = row.map(|(s, url, version, headers, body, key, verdict)| {
        let mut capture = Capture::from_parts(s, url, version, &decode_headers(&headers), body.as_deref());
        capture.dedupe_key = key;
        capture.verdict = verdict.and_then(|v| serde_json::from_str(&v).ok());
        capture
    });
    match capture {
        Some(mut capture) => {
            capture.forwards = forwards(conn, id)?;
            Ok(Some(capture))
        }
        None => Ok(None),
    }
}

pub fn body(conn: &Connection, id: CaptureId) -> Result<Option<StoredBody>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT content_type, b.body, b.encoding FROM captures
             LEFT JOIN capture_bodies b ON b.capture_id = captures.id WHERE id = ?1",
        )?
        .query_row([id], |row| {
            let body: Option<Vec<u8>> = row.get(1)?;
            let encoding: Option<i64> = row.get(2)?;
            Ok((row.get::<_, Option<String>>(0)?, body.map(|b| (b, encoding.unwrap_or(RAW)))))
        })
        .optional()?;
    let Some((content_type, body)) = row else { return Ok(None) };
    let bytes = body.map(|(b, encoding)| unpack(id, b, encoding)).transpose()?;
    Ok(Some(StoredBody { content_type, bytes }))
}

// Forwards: the events an endpoint's `forward` makes of its captures. The event is written in the
// capture's own transaction, so a capture acknowledged to its sender always has its forward.

/// Stores a capture and, unless it turns out to be a duplicate, the event that forwards it, in one
/// transaction; the body is already packed (on the caller's thread). The event's `capture_id` is
/// set here, once the capture has its id.
pub fn insert_forwarded(
    conn: &Connection,
    c: &NewCapture,
    packed: &PackedBody,
    forward: Option<NewEvent>,
    now: Timestamp,
) -> Result<(StoredCapture, Option<Event>), StoreError> {
    let stored = insert_packed(conn, c, packed)?;
    let event = match forward {
        Some(mut event) if stored.duplicate_of.is_none() => {
            event.capture_id = Some(stored.id);
            Some(crate::events::insert(conn, &event, now)?)
        }
        _ => None,
    };
    Ok((stored, event))
}

/// The forward events of a capture, oldest first.
pub fn forwards(conn: &Connection, capture_id: CaptureId) -> Result<Vec<EventSummary>, StoreError> {
    let ids: Vec<EventId> = conn
        .prepare_cached("SELECT id FROM events WHERE capture_id = ?1 AND origin = 'forward' ORDER BY id")?
        .query_map([capture_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(crate::events::get_summary(conn, id)?);
    }
    Ok(out)
}

/// Records what the sender was finally told (a `wait` forward answers with the app's reply).
pub fn set_response(conn: &Connection, id: CaptureId, status: u16, note: &str) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE captures SET response_status = ?2, response_note = ?3 WHERE id = ?1")?
        .execute(params![id, status, note])?;
    Ok(())
}

/// An endpoint's captures with an id above `after`, oldest first, in full (headers and body).
pub fn after(
    conn: &Connection,
    endpoint_id: EndpointId,
    after: CaptureId,
    limit: usize,
) -> Result<Vec<Capture>, StoreError> {
    let ids: Vec<CaptureId> = conn
        .prepare_cached("SELECT id FROM captures WHERE endpoint_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3")?
        .query_map(params![endpoint_id, after, i64::try_from(limit.clamp(1, 500)).unwrap_or(500)], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(get(conn, id)?);
    }
    Ok(out)
}

/// A new request for a held forward event: what a person changed before releasing it.
#[derive(Debug, Clone)]
pub struct HeldEdit {
    pub method: String,
    pub url: String,
    pub target_key: String,
    pub headers: Vec<HeaderView>,
    pub body: Vec<u8>,
    /// For the timeline: what was changed, e.g. `body, headers`.
    pub changed: String,
}

/// Releases a held event: `pending`, due at `now`, after applying `edit` (the capture never
/// changes). `None`: no such event; `Conflict`: it is not held.
pub fn release_held(
    conn: &Connection,
    id: EventId,
    edit: Option<&HeldEdit>,
    now: Timestamp,
) -> Result<Option<EventSummary>, StoreError> {
    let Some(current) = crate::events::get(conn, id)? else { return Ok(None) };
    if current.summary.state != EventState::Held {
        return Err(StoreError::Conflict(format!(
            "event {id} is {}, not held: only held events are released",
            current.summary.state.as_str()
        )));
    }
    let text = match edit {
        Some(e) => {
            let mut settings = current.settings.clone();
            settings.method = e.method.clone();
            conn.prepare_cached(
                "UPDATE events SET method = ?2, url = ?3, target_key = ?4, headers = ?5, body = ?6, settings = ?7
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                e.method,
                e.url,
                e.target_key,
                to_json(&e.headers)?,
                e.body,
                to_json(&settings)?
            ])?;
            format!("released after an edit ({}): due now", e.changed)
        }
        None => "released: due now".to_owned(),
    };
    conn.prepare_cached(
        "UPDATE events SET state = 'pending', next_attempt_at = ?2, updated_at = ?2 WHERE id = ?1 AND state = 'held'",
    )?
    .execute(params![id, now])?;
    crate::events::add_mark(conn, id, now, "released", &text)?;
    crate::events::get_summary(conn, id)
}

/// Releases every held forward event of an endpoint's captures, oldest first; returns them.
pub fn release_all_held(
    conn: &Connection,
    endpoint_id: EndpointId,
    now: Timestamp,
) -> Result<Vec<EventSummary>, StoreError> {
    let ids = held_ids(conn, endpoint_id)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(release_held(conn, id, None, now)?);
    }
    Ok(out)
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(format!("cannot encode as JSON: {e}")))
}

fn held_ids(conn: &Connection, endpoint_id: EndpointId) -> Result<Vec<EventId>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT e.id FROM events e JOIN captures c ON c.id = e.capture_id
             WHERE e.state = 'held' AND e.origin = 'forward' AND c.endpoint_id = ?1 ORDER BY e.id",
        )?
        .query_map([endpoint_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}

/// The held forward events of an endpoint's captures, oldest first.
pub fn held(conn: &Connection, endpoint_id: EndpointId) -> Result<Vec<EventSummary>, StoreError> {
    let mut out = Vec::new();
    for id in held_ids(conn, endpoint_id)? {
        out.extend(crate::events::get_summary(conn, id)?);
    }
    Ok(out)
}

impl Store {
    /// Stores a capture and its forward event (unless it is a duplicate) in one transaction.
    pub async fn insert_capture_forwarded(
        &self,
        capture: NewCapture,
        forward: Option<NewEvent>,
        now: Timestamp,
    ) -> Result<(StoredCapture, Option<Event>), StoreError> {
        let packed = pack_for(&capture).await;
        // SQL only, so it may run again if another job of its group fails (`write_rerunnable`).
        self.writer.write_rerunnable(move |tx| insert_forwarded(tx, &capture, &packed, forward.clone(), now)).await
    }

    /// Records the answer a `wait` forward finally gave the sender.
    pub async fn set_capture_response(&self, id: CaptureId, status: u16, note: String) -> Result<(), StoreError> {
        self.writer.write(move |tx| set_response(tx, id, status, &note)).await
    }

    /// An endpoint's captures after `after` (oldest first, at most `limit`, in full).
    pub async fn captures_after(
        &self,
        endpoint_id: EndpointId,
        after_id: CaptureId,
        limit: usize,
    ) -> Result<Vec<Capture>, StoreError> {
        self.readers.read(move |conn| after(conn, endpoint_id, after_id, limit)).await
    }

    pub async fn release_held(
        &self,
        id: EventId,
        edit: Option<HeldEdit>,
        now: Timestamp,
    ) -> Result<Option<EventSummary>, StoreError> {
        self.writer.write(move |tx| release_held(tx, id, edit.as_ref(), now)).await
    }

    pub async fn release_all_held(
        &self,
        endpoint_id: EndpointId,
        now: Timestamp,
    ) -> Result<Vec<EventSummary>, StoreError> {
        self.writer.write(move |tx| release_all_held(tx, endpoint_id, now)).await
    }

    pub async fn held_events(&self, endpoint_id: EndpointId) -> Result<Vec<EventSummary>, StoreError> {
        self.readers.read(move |conn| held(conn, endpoint_id)).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn packing_keeps_what_does_not_shrink_and_unpacking_refuses_damage_with_a_sentence() {
        assert_eq!(pack(None), PackedBody::Raw);
        assert_eq!(pack(Some(b"short")), PackedBody::Raw);
        let json = br#"{"a":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}"#;
        let PackedBody::Zstd(z) = pack(Some(json)) else { panic!("repetitive JSON compresses") };
        assert_eq!(unpack(7, z.clone(), ZSTD).unwrap(), json);
        assert_eq!(unpack(7, b"as is".to_vec(), RAW).unwrap(), b"as is");
        let damaged = unpack(7, z[..z.len() / 2].to_vec(), ZSTD).unwrap_err().to_string();
        assert!(damaged.contains("capture 7 cannot be decompressed"), "{damaged}");
        let unknown = unpack(7, z, 9).unwrap_err().to_string();
        assert!(unknown.contains("unknown encoding 9"), "{unknown}");
    }
}
