//! The `consumers` table (made by migration V8): how far each named poll consumer of an endpoint
//! has acknowledged. Acknowledging is monotonic: an older id never moves the mark back.

use hookbench_domain::endpoint::EndpointId;
use hookbench_domain::{CaptureId, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{Store, StoreError};

/// Every capture up to this id is acknowledged by `name` (0: none yet).
pub fn acked(conn: &Connection, endpoint_id: EndpointId, name: &str) -> Result<CaptureId, StoreError> {
    Ok(conn
        .prepare_cached("SELECT acked_id FROM consumers WHERE endpoint_id = ?1 AND name = ?2")?
        .query_row(params![endpoint_id, name], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Acknowledges everything up to `id`; returns the consumer's mark afterwards (never lower than before).
pub fn ack(
    conn: &Connection,
    endpoint_id: EndpointId,
    name: &str,
    id: CaptureId,
    now: Timestamp,
) -> Result<CaptureId, StoreError> {
    conn.prepare_cached(
        "INSERT INTO consumers (endpoint_id, name, acked_id, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (endpoint_id, name) DO UPDATE
            SET acked_id = max(acked_id, excluded.acked_id), updated_at = excluded.updated_at",
    )?
    .execute(params![endpoint_id, name, id, now])?;
    acked(conn, endpoint_id, name)
}

impl Store {
    pub async fn consumer_acked(&self, endpoint_id: EndpointId, name: String) -> Result<CaptureId, StoreError> {
        self.readers.read(move |conn| acked(conn, endpoint_id, &name)).await
    }

    pub async fn consumer_ack(
        &self,
        endpoint_id: EndpointId,
        name: String,
        id: CaptureId,
        now: Timestamp,
    ) -> Result<CaptureId, StoreError> {
        self.writer.write(move |tx| ack(tx, endpoint_id, &name, id, now)).await
    }
}
