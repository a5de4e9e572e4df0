//! The `breakers` table: each target's circuit breaker, saved whenever it changes phase, so an
//! open circuit stays open across a restart instead of letting a crowd through.

use hookbench_domain::breaker::BreakerState;
use rusqlite::{Connection, params};

use crate::StoreError;

pub const SCHEMA_V6: &str = "
CREATE TABLE breakers (
    target_key TEXT    PRIMARY KEY,   -- destination:ID or a URL's origin
    state      TEXT    NOT NULL,      -- JSON BreakerState
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
";

pub fn save(conn: &Connection, key: &str, state: &BreakerState, now: i64) -> Result<(), StoreError> {
    let json = serde_json::to_string(state).map_err(|e| StoreError::Invalid(format!("breaker state: {e}")))?;
    conn.execute(
        "INSERT INTO breakers (target_key, state, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (target_key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        params![key, json, now],
    )?;
    Ok(())
}

/// Every saved breaker; a state this version cannot read is left out (the breaker starts closed).
pub fn load(conn: &Connection) -> Result<Vec<(String, BreakerState)>, StoreError> {
    let mut stmt = conn.prepare("SELECT target_key, state FROM breakers")?;
    let rows: Vec<(String, String)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Ok(rows.into_iter().filter_map(|(key, json)| serde_json::from_str(&json).ok().map(|s| (key, s))).collect())
}
