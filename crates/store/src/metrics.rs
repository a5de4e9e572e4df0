//! The rows the dashboard and alerts read: attempts and finished events of a window, captures per
//! endpoint and bucket, the retry queue, and the store's size. Indexes on the time columns (V11)
//! keep a window's read to the rows in it.

use hookbench_domain::Timestamp;
use hookbench_domain::metrics::{AttemptRow, CaptureBucketRow, FinishedEventRow, Storage};
use rusqlite::params;

use crate::{Store, StoreError};

pub const SCHEMA_V11: &str = "
CREATE INDEX attempts_started ON attempts(started_at);
CREATE INDEX events_updated ON events(updated_at);
CREATE INDEX events_first_attempt ON events(first_attempt_at) WHERE first_attempt_at IS NOT NULL;
";

/// Everything the figures of one window need, read in one go.
#[derive(Debug, Clone, Default)]
pub struct WindowRows {
    pub attempts: Vec<AttemptRow>,
    pub finished: Vec<FinishedEventRow>,
    pub captures: Vec<CaptureBucketRow>,
    /// Events per target whose first attempt fell in the window.
    pub first_attempts: Vec<(String, Option<i64>, u64)>,
    pub retry_queue: u64,
}

fn read(
    conn: &rusqlite::Connection,
    start: Timestamp,
    end: Timestamp,
    bucket_ms: i64,
) -> Result<WindowRows, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.target_key, e.destination_id, a.started_at, a.duration_ms, a.response_status,
                json_extract(a.next, '$.kind') = 'done'
         FROM attempts a INDEXED BY attempts_started JOIN events e ON e.id = a.event_id
         WHERE a.started_at >= ?1 AND a.started_at < ?2 AND a.state != 'in_flight'",
    )?;
    let attempts = stmt
        .query_map(params![start, end], |r| {
            Ok(AttemptRow {
                target_key: r.get(0)?,
                destination_id: r.get(1)?,
                started_at: r.get(2)?,
                duration_ms: r.get(3)?,
                status: r.get(4)?,
                delivered: r.get::<_, Option<bool>>(5)?.unwrap_or(false),
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT target_key, destination_id, state = 'delivered', attempts FROM events INDEXED BY events_updated
         WHERE updated_at >= ?1 AND updated_at < ?2 AND state IN ('delivered', 'dead')",
    )?;
    let finished = stmt
        .query_map(params![start, end], |r| {
            Ok(FinishedEventRow {
                target_key: r.get(0)?,
                destination_id: r.get(1)?,
                delivered: r.get(2)?,
                attempts: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT endpoint_id, (received_at - ?1) / ?3, count(*), count(verdict_valid),
                sum(verdict_valid = 0), sum(duplicate_of IS NOT NULL), sum(faults IS NOT NULL AND faults != '[]')
         FROM captures INDEXED BY captures_received WHERE received_at >= ?1 AND received_at < ?2
         GROUP BY 1, 2",
    )?;
    let captures = stmt
        .query_map(params![start, end, bucket_ms], |r| {
            Ok(CaptureBucketRow {
                endpoint_id: r.get(0)?,
                bucket: r.get(1)?,
                requests: r.get(2)?,
                checked: r.get(3)?,
                signature_failures: r.get::<_, Option<u64>>(4)?.unwrap_or(0),
                duplicates: r.get::<_, Option<u64>>(5)?.unwrap_or(0),
                faulted: r.get::<_, Option<u64>>(6)?.unwrap_or(0),
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT target_key, destination_id, count(*) FROM events INDEXED BY events_first_attempt
         WHERE first_attempt_at >= ?1 AND first_attempt_at < ?2 GROUP BY 1, 2",
    )?;
    let first_attempts =
        stmt.query_map(params![start, end], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
    let retry_queue: u64 = conn
        .prepare_cached("SELECT count(*) FROM events INDEXED BY events_state WHERE state = 'retrying'")?
        .query_row([], |r| r.get(0))?;
    Ok(WindowRows { attempts, finished, captures, first_attempts, retry_queue })
}

/// Deletes the oldest captures beyond `max_captures` and those received before `cutoff`, at most
/// `chunk` at a time; returns how many went.
fn prune(
    conn: &rusqlite::Connection,
    max_captures: Option<u64>,
    cutoff: Option<Timestamp>,
    chunk: u64,
) -> Result<u64, StoreError> {
    let mut deleted = 0;
    if let Some(cutoff) = cutoff {
        deleted += conn.execute(
            "DELETE FROM captures WHERE id IN (SELECT id FROM captures INDEXED BY captures_received
             WHERE received_at < ?1 ORDER BY received_at LIMIT ?2)",
            params![cutoff, chunk],
        )? as u64;
    }
    if let Some(max) = max_captures {
        let over: u64 = conn.query_row("SELECT max(count(*) - ?1, 0) FROM captures", [max], |r| r.get(0))?;
        if over > 0 {
            deleted += conn.execute(
                "DELETE FROM captures WHERE id IN (SELECT id FROM captures ORDER BY id LIMIT ?1)",
                [over.min(chunk.saturating_sub(deleted))],
            )? as u64;
        }
    }
    Ok(deleted)
}

impl Store {
    /// The rows of the window `[start, end)`, captures bucketed by `bucket_ms` from `start`.
    pub async fn window_rows(
        &self,
        start: Timestamp,
        end: Timestamp,
        bucket_ms: i64,
    ) -> Result<WindowRows, StoreError> {
        self.readers.read(move |conn| read(conn, start, end, bucket_ms)).await
    }

    /// One chunk of retention: the oldest captures beyond the limits go (their bodies and index rows
    /// with them). Call again while it returns `chunk`.
    pub async fn prune_captures(
        &self,
        max_captures: Option<u64>,
        cutoff: Option<Timestamp>,
        chunk: u64,
    ) -> Result<u64, StoreError> {
        self.writer.write(move |tx| prune(tx, max_captures, cutoff, chunk)).await
    }

    pub async fn storage(&self) -> Result<Storage, StoreError> {
        let path = self.path.clone();
        self.readers
            .read(move |conn| {
                let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
                let wal = path.with_extension("db-wal");
                let (captures, body_bytes, oldest): (u64, Option<u64>, Option<Timestamp>) =
                    conn.query_row("SELECT count(*), sum(body_size), min(received_at) FROM captures", [], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })?;
                let events: u64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
                Ok(Storage {
                    db_bytes: size(&path),
                    wal_bytes: size(&wal),
                    captures,
                    events,
                    body_bytes: body_bytes.unwrap_or(0),
                    oldest_capture_at: oldest,
                })
            })
            .await
    }
}
