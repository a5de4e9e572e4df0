//! The `destinations` table. Settings are one JSON document per destination, like endpoints', so
//! new settings never need a migration.

use hookbench_domain::Timestamp;
use hookbench_domain::outbox::{DeliverySettings, Destination, DestinationId, DestinationInput};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::StoreError;

pub const SCHEMA_V4: &str = "
CREATE TABLE destinations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL UNIQUE,
    url        TEXT    NOT NULL,
    settings   TEXT    NOT NULL,          -- JSON DeliverySettings
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
";

const COLUMNS: &str = "id, name, url, settings, created_at, updated_at";

fn destination(row: &Row<'_>) -> rusqlite::Result<Destination> {
    let settings: String = row.get(3)?;
    Ok(Destination {
        id: row.get(0)?,
        name: row.get(1)?,
        url: row.get(2)?,
        // A document this version cannot read falls back to the defaults rather than hiding the row.
        settings: serde_json::from_str::<DeliverySettings>(&settings).unwrap_or_default(),
        created_at: row.get(4)?,
        updated_at: row.get(5)?,
    })
}

pub fn list(conn: &Connection) -> Result<Vec<Destination>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM destinations ORDER BY name"))?;
    Ok(stmt.query_map([], destination)?.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, id: DestinationId) -> Result<Option<Destination>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM destinations WHERE id = ?1"))?;
    Ok(stmt.query_row([id], destination).optional()?)
}

pub fn find_by_name(conn: &Connection, name: &str) -> Result<Option<Destination>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM destinations WHERE name = ?1"))?;
    Ok(stmt.query_row([name], destination).optional()?)
}

fn settings_json(input: &DestinationInput) -> Result<String, StoreError> {
    serde_json::to_string(&input.settings).map_err(|e| StoreError::Invalid(format!("settings: {e}")))
}

fn name_taken(e: &rusqlite::Error, name: &str) -> Option<StoreError> {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation)
        .then(|| StoreError::Conflict(format!("another destination is already named '{name}'")))
}

pub fn create(conn: &Connection, input: &DestinationInput, now: Timestamp) -> Result<Destination, StoreError> {
    let inserted = conn.execute(
        "INSERT INTO destinations (name, url, settings, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![input.name, input.url, settings_json(input)?, now],
    );
    match inserted {
        Ok(_) => get(conn, conn.last_insert_rowid())?.ok_or(StoreError::WorkerGone),
        Err(e) => Err(name_taken(&e, &input.name).unwrap_or(e.into())),
    }
}

pub fn update(
    conn: &Connection,
    id: DestinationId,
    input: &DestinationInput,
    now: Timestamp,
) -> Result<Option<Destination>, StoreError> {
    let updated = conn.execute(
        "UPDATE destinations SET name = ?2, url = ?3, settings = ?4, updated_at = ?5 WHERE id = ?1",
        params![id, input.name, input.url, settings_json(input)?, now],
    );
    match updated {
        Ok(0) => Ok(None),
        Ok(_) => get(conn, id),
        Err(e) => Err(name_taken(&e, &input.name).unwrap_or(e.into())),
    }
}

/// Deletes a destination. Its events keep their own copy of URL and settings, so they still
/// deliver (and stay listed under the old destination id).
pub fn delete(conn: &Connection, id: DestinationId) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM destinations WHERE id = ?1", [id])? > 0)
}
