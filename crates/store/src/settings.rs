//! The `settings` table: engine-wide settings as one JSON document per key.

use hookbench_domain::settings::Settings;
use rusqlite::{Connection, OptionalExtension, params};

use crate::StoreError;

pub const SCHEMA_V7: &str = "
CREATE TABLE settings (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,   -- JSON
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
";

const ENGINE: &str = "engine";

/// The stored settings; defaults when none were saved or the document cannot be read.
pub fn load(conn: &Connection) -> Result<Settings, StoreError> {
    let json: Option<String> =
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [ENGINE], |r| r.get(0)).optional()?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default())
}

pub fn save(conn: &Connection, settings: &Settings, now: i64) -> Result<(), StoreError> {
    let json = serde_json::to_string(settings).map_err(|e| StoreError::Invalid(format!("settings: {e}")))?;
    conn.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![ENGINE, json, now],
    )?;
    Ok(())
}
