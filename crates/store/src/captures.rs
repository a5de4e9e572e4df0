//! The `captures` and `capture_bodies` tables: every inbound request, its headers and its raw body.
//!
//! Bodies live in their own table so listing a page of captures never reads payload pages.

use hookbench_domain::capture::{decode_headers, encode_headers};
use hookbench_domain::dedupe::DuplicateResponse;
use hookbench_domain::{Capture, CaptureFilter, CaptureId, CapturePage, CaptureSummary, NewCapture, StoredCapture};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::{StoreError, StoredBody};

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

/// Stores a capture; when it carries an idempotency key, claims the key in the same transaction.
/// The claim is an upsert on the key's primary key, so two racing copies yield exactly one original.
pub fn insert(conn: &Connection, c: &NewCapture) -> Result<StoredCapture, StoreError> {
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
        let mut stmt = conn.prepare_cached("INSERT INTO capture_bodies (capture_id, body) VALUES (?1, ?2)")?;
        stmt.execute(params![id, body.as_ref()])?;
    }
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

/// Builds the WHERE clause shared by the page and the count; `with_cursor` adds the `before` bound.
fn where_clause(filter: &CaptureFilter, with_cursor: bool) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut clauses = Vec::new();
    let mut args = Vec::new();
    if let (true, Some(before)) = (with_cursor, filter.before) {
        clauses.push("id < ?");
        args.push(Value::Integer(before));
    }
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
    let sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    (sql, args)
}

pub fn list(conn: &Connection, filter: &CaptureFilter) -> Result<CapturePage, StoreError> {
    let limit = filter.limit.clamp(1, 500);
    let (where_sql, mut args) = where_clause(filter, true);
    args.push(rusqlite::types::Value::Integer(limit as i64 + 1));
    let sql = format!("SELECT {SUMMARY_COLUMNS} FROM captures {where_sql} ORDER BY id DESC LIMIT ?");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut items = stmt.query_map(rusqlite::params_from_iter(args), summary)?.collect::<Result<Vec<_>, _>>()?;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|c| c.id)
    } else {
        None
    };
    let (count_where, count_args) = where_clause(filter, false);
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM captures {count_where}"))?
        .query_row(rusqlite::params_from_iter(count_args), |r| r.get(0))?;
    Ok(CapturePage { items, next_cursor, total: u64::try_from(total).unwrap_or(0) })
}

pub fn get(conn: &Connection, id: CaptureId) -> Result<Option<Capture>, StoreError> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, url, http_version, headers, b.body, dedupe_key, verdict
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
            Ok((s, url, version, headers, body, key, verdict))
        })
        .optional()?;
    Ok(row.map(|(s, url, version, headers, body, key, verdict)| {
        let mut capture = Capture::from_parts(s, url, version, &decode_headers(&headers), body.as_deref());
        capture.dedupe_key = key;
        capture.verdict = verdict.and_then(|v| serde_json::from_str(&v).ok());
        capture
    }))
}

pub fn body(conn: &Connection, id: CaptureId) -> Result<Option<StoredBody>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT content_type, b.body FROM captures LEFT JOIN capture_bodies b ON b.capture_id = captures.id
             WHERE id = ?1",
        )?
        .query_row([id], |row| Ok(StoredBody { content_type: row.get(0)?, bytes: row.get(1)? }))
        .optional()?)
}
