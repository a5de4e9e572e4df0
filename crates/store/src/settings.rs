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

/// Another engine-wide document (e.g. `alerts`), as stored; `None` when never saved.
pub fn load_doc(conn: &Connection, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
    let json: Option<String> =
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

pub fn save_doc(conn: &Connection, key: &str, value: &serde_json::Value, now: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![key, value.to_string(), now],
    )?;
    Ok(())
}

impl crate::Store {
    pub async fn load_doc(&self, key: &'static str) -> Result<Option<serde_json::Value>, StoreError> {
        self.readers.read(move |conn| load_doc(conn, key)).await
    }

    pub async fn save_doc(&self, key: &'static str, value: serde_json::Value, now: i64) -> Result<(), StoreError> {
        self.writer.write(move |tx| save_doc(tx, key, &value, now)).await
    }
}
