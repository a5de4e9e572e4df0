//! The `endpoints` table. Settings are one JSON document per endpoint so new settings never need
//! a migration; the default endpoint (id 1, empty prefix) is created by the migration and kept.

use hookbench_domain::Timestamp;
use hookbench_domain::clock::format_rfc3339;
use hookbench_domain::endpoint::{DEFAULT_ENDPOINT_ID, Endpoint, EndpointId, EndpointInput, EndpointSettings};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::StoreError;

pub const SCHEMA_V2: &str = "
CREATE TABLE endpoints (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    path_prefix TEXT    NOT NULL UNIQUE,
    settings    TEXT    NOT NULL,          -- JSON EndpointSettings
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
INSERT INTO endpoints (id, name, path_prefix, settings, created_at, updated_at) VALUES (1, 'Default', '', '{}', 0, 0);

ALTER TABLE captures ADD COLUMN endpoint_id     INTEGER NOT NULL DEFAULT 1;
ALTER TABLE captures ADD COLUMN verdict         TEXT;    -- JSON Verdict, when the endpoint checks signatures
ALTER TABLE captures ADD COLUMN verdict_valid   INTEGER; -- NULL: not checked
ALTER TABLE captures ADD COLUMN dedupe_key      TEXT;
ALTER TABLE captures ADD COLUMN duplicate_of    INTEGER; -- the first capture with the same key
ALTER TABLE captures ADD COLUMN duplicate_count INTEGER NOT NULL DEFAULT 0; -- on a first capture: copies seen since
CREATE INDEX captures_endpoint ON captures(endpoint_id, id);

-- One row per live idempotency key: the primary key makes two racing copies give one original.
CREATE TABLE dedupe_keys (
    endpoint_id      INTEGER NOT NULL,
    key              TEXT    NOT NULL,
    first_capture_id INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    PRIMARY KEY (endpoint_id, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX dedupe_keys_expiry ON dedupe_keys(expires_at);
";

fn endpoint(row: &Row<'_>) -> rusqlite::Result<Endpoint> {
    let settings: String = row.get(3)?;
    Ok(Endpoint {
        id: row.get(0)?,
        name: row.get(1)?,
        path_prefix: row.get(2)?,
        // A settings document this version cannot read leaves the endpoint plain rather than hidden.
        settings: serde_json::from_str::<EndpointSettings>(&settings).unwrap_or_default(),
        created_at: format_rfc3339(row.get(4)?),
        updated_at: format_rfc3339(row.get(5)?),
    })
}

const COLUMNS: &str = "id, name, path_prefix, settings, created_at, updated_at";

pub fn list(conn: &Connection) -> Result<Vec<Endpoint>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM endpoints ORDER BY path_prefix"))?;
    Ok(stmt.query_map([], endpoint)?.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, id: EndpointId) -> Result<Option<Endpoint>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM endpoints WHERE id = ?1"))?;
    Ok(stmt.query_row([id], endpoint).optional()?)
}

fn settings_json(input: &EndpointInput) -> Result<String, StoreError> {
    serde_json::to_string(&input.settings).map_err(|e| StoreError::Invalid(format!("settings: {e}")))
}

fn prefix_taken(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation)
}

pub fn create(conn: &Connection, input: &EndpointInput, now: Timestamp) -> Result<Endpoint, StoreError> {
    let inserted = conn.execute(
        "INSERT INTO endpoints (name, path_prefix, settings, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![input.name, input.path_prefix, settings_json(input)?, now],
    );
    match inserted {
        Ok(_) => get(conn, conn.last_insert_rowid())?.ok_or(StoreError::WorkerGone),
        Err(e) if prefix_taken(&e) => {
            Err(StoreError::Conflict(format!("another endpoint already has the path prefix {}", input.path_prefix)))
        }
        Err(e) => Err(e.into()),
    }
}

pub fn update(
    conn: &Connection,
    id: EndpointId,
    input: &EndpointInput,
    now: Timestamp,
) -> Result<Option<Endpoint>, StoreError> {
    if id == DEFAULT_ENDPOINT_ID && !input.path_prefix.is_empty() {
        return Err(StoreError::Invalid("the default endpoint catches every path; its prefix cannot change".into()));
    }
    let updated = conn.execute(
        "UPDATE endpoints SET name = ?2, path_prefix = ?3, settings = ?4, updated_at = ?5 WHERE id = ?1",
        params![id, input.name, input.path_prefix, settings_json(input)?, now],
    );
    match updated {
        Ok(0) => Ok(None),
        Ok(_) => get(conn, id),
        Err(e) if prefix_taken(&e) => {
            Err(StoreError::Conflict(format!("another endpoint already has the path prefix {}", input.path_prefix)))
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes an endpoint; its captures move to the default endpoint (nothing captured is lost).
pub fn delete(conn: &Connection, id: EndpointId) -> Result<bool, StoreError> {
    if id == DEFAULT_ENDPOINT_ID {
        return Err(StoreError::Invalid("the default endpoint cannot be deleted".into()));
    }
    conn.execute("UPDATE captures SET endpoint_id = ?2 WHERE endpoint_id = ?1", params![id, DEFAULT_ENDPOINT_ID])?;
    conn.execute("DELETE FROM dedupe_keys WHERE endpoint_id = ?1", [id])?;
    Ok(conn.execute("DELETE FROM endpoints WHERE id = ?1", [id])? > 0)
}

/// Forgets idempotency keys whose time is up; returns how many.
pub fn expire_dedupe_keys(conn: &Connection, now: Timestamp) -> Result<u64, StoreError> {
    Ok(conn.execute("DELETE FROM dedupe_keys WHERE expires_at <= ?1", [now])? as u64)
}
