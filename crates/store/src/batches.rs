//! Bulk replays (`batches`, from V8): the source ids resolved when the batch is made, and how far it
//! got. Each item's event is inserted in the same transaction that moves `next_index`, so a crash
//! neither skips an item nor enqueues it twice.

use hookbench_domain::Timestamp;
use hookbench_domain::batch::{Batch, BatchCounts, BatchInput, BatchSource, BatchState, MAX_ITEMS};
use hookbench_domain::outbox::{BatchId, Event, NewEvent};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use crate::{Store, StoreError};

pub const SCHEMA_V9: &str = "
ALTER TABLE batches ADD COLUMN skipped    INTEGER NOT NULL DEFAULT 0;
ALTER TABLE batches ADD COLUMN last_error TEXT;
";

/// A WHERE clause being built: each condition's `{}` is its value's placeholder.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    values: Vec<Value>,
}

impl Where {
    fn add(&mut self, clause: &str, value: Value) {
        self.values.push(value);
        self.clauses.push(clause.replace("{}", &format!("?{}", self.values.len())));
    }
    fn time_range(&mut self, column: &str, since: Option<Timestamp>, until: Option<Timestamp>) {
        if let Some(t) = since {
            self.add(&format!("{column} >= {{}}"), Value::Integer(t));
        }
        if let Some(t) = until {
            self.add(&format!("{column} < {{}}"), Value::Integer(t));
        }
    }
}

/// The ids a source selects, oldest first, at most `MAX_ITEMS + 1` (one more tells it was capped).
pub fn resolve(conn: &Connection, source: &BatchSource) -> Result<Vec<i64>, StoreError> {
    let mut w = Where::default();
    let (table, ids) = match source {
        BatchSource::Captures { ids, endpoint, method, verdict, duplicate, q, since, until } => {
            if let Some(e) = endpoint {
                w.add("endpoint_id = {}", Value::Integer(*e));
            }
            if let Some(m) = method {
                w.add("method = {}", Value::Text(m.to_ascii_uppercase()));
            }
            if let Some(v) = verdict {
                w.add("verdict_valid = {}", Value::Integer(i64::from(v == "valid")));
            }
            match duplicate {
                Some(true) => w.clauses.push("duplicate_of IS NOT NULL".into()),
                Some(false) => w.clauses.push("duplicate_of IS NULL".into()),
                None => {}
            }
            if let Some(q) = q.as_deref().filter(|q| !q.is_empty()) {
                w.add("instr(path || coalesce('?' || query, ''), {}) > 0", Value::Text(q.to_owned()));
            }
            w.time_range("received_at", *since, *until);
            ("captures", ids)
        }
        BatchSource::Events { ids, state, destination, since, until } => {
            if let Some(s) = state {
                w.add("state = {}", Value::Text(s.as_str().to_owned()));
            }
            if let Some(d) = destination {
                w.add("destination_id = {}", Value::Integer(*d));
            }
            w.time_range("created_at", *since, *until);
            ("events", ids)
        }
    };
    if let Some(ids) = ids {
        let list = ids.iter().take(MAX_ITEMS + 1).map(|id| id.to_string()).collect::<Vec<_>>().join(",");
        w.clauses.push(format!("id IN ({list})"));
    }
    let where_sql = if w.clauses.is_empty() { String::new() } else { format!("WHERE {}", w.clauses.join(" AND ")) };
    let sql = format!("SELECT id FROM {table} {where_sql} ORDER BY id LIMIT {}", MAX_ITEMS + 1);
    let mut stmt = conn.prepare(&sql)?;
    Ok(stmt.query_map(params_from_iter(w.values), |r| r.get(0))?.collect::<Result<_, _>>()?)
}

const COLUMNS: &str = "id, kind, spec, total, next_index, state, created_at, updated_at, skipped, last_error";

fn counts(conn: &Connection, id: BatchId) -> Result<BatchCounts, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT state, COUNT(*) FROM events INDEXED BY events_batch WHERE batch_id = ?1 GROUP BY state",
    )?;
    let mut counts = BatchCounts::default();
    for row in stmt.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))? {
        let (state, n) = row?;
        match state.as_str() {
            "delivered" => counts.delivered += n,
            "dead" => counts.dead += n,
            "cancelled" => counts.cancelled += n,
            _ => counts.in_progress += n,
        }
    }
    Ok(counts)
}

pub fn get(conn: &Connection, id: BatchId) -> Result<Option<Batch>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM batches WHERE id = ?1"))?;
    let row = stmt
        .query_row([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u64>(3)?,
                r.get::<_, u64>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, u64>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        })
        .optional()?;
    let Some((id, kind, spec, total, done, state, created_at, updated_at, skipped, last_error)) = row else {
        return Ok(None);
    };
    let input: BatchInput =
        serde_json::from_str(&spec).map_err(|e| StoreError::Invalid(format!("batch {id}: unreadable spec: {e}")))?;
    Ok(Some(Batch {
        id,
        kind,
        state: BatchState::parse(&state),
        total,
        done,
        skipped,
        last_error,
        rate_per_sec: input.rate(),
        counts: counts(conn, id)?,
        created_at,
        updated_at,
        input,
    }))
}

pub fn list(conn: &Connection, limit: u32) -> Result<Vec<Batch>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id FROM batches ORDER BY id DESC LIMIT ?1")?;
    let ids: Vec<i64> = stmt.query_map([limit], |r| r.get(0))?.collect::<Result<_, _>>()?;
    ids.into_iter().filter_map(|id| get(conn, id).transpose()).collect()
}

/// The ids still to do and where the batch stands: `(next_index, source ids)`.
pub fn work(conn: &Connection, id: BatchId) -> Result<Option<(BatchState, usize, Vec<i64>)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT state, next_index, source_ids FROM batches WHERE id = ?1")?;
    let row = stmt
        .query_row([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, usize>(1)?, r.get::<_, String>(2)?)))
        .optional()?;
    Ok(row.map(|(state, next, ids)| (BatchState::parse(&state), next, serde_json::from_str(&ids).unwrap_or_default())))
}

fn create(conn: &Connection, input: &BatchInput, ids: &[i64], now: Timestamp) -> Result<BatchId, StoreError> {
    let spec = serde_json::to_string(input).map_err(|e| StoreError::Invalid(format!("batch spec: {e}")))?;
    let ids_json = serde_json::to_string(ids).map_err(|e| StoreError::Invalid(format!("batch ids: {e}")))?;
    let state = if ids.is_empty() { "done" } else { "running" };
    conn.execute(
        "INSERT INTO batches (kind, spec, source_ids, total, next_index, state, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?6)",
        params![input.source.kind(), spec, ids_json, ids.len(), state, now],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Moves the batch past item `index` (only if that is where it stands), storing its event if there
/// is one or counting it skipped with the reason; the last item makes the batch `done`.
fn step(
    conn: &Connection,
    id: BatchId,
    index: usize,
    outcome: &Result<NewEvent, String>,
    now: Timestamp,
) -> Result<Option<Event>, StoreError> {
    let moved = conn.execute(
        "UPDATE batches SET next_index = next_index + 1, updated_at = ?3,
                skipped = skipped + ?4, last_error = COALESCE(?5, last_error),
                state = CASE WHEN next_index + 1 >= total THEN 'done' ELSE state END
         WHERE id = ?1 AND next_index = ?2 AND state = 'running'",
        params![id, index, now, i64::from(outcome.is_err()), outcome.as_ref().err()],
    )?;
    if moved == 0 {
        return Ok(None);
    }
    match outcome {
        Ok(event) => crate::events::insert(conn, event, now).map(Some),
        Err(_) => Ok(None),
    }
}

fn set_state(conn: &Connection, id: BatchId, to: BatchState, now: Timestamp) -> Result<Option<usize>, StoreError> {
    let from: &[&str] = match to {
        BatchState::Paused => &["running"],
        BatchState::Running => &["paused"],
        BatchState::Cancelled => &["running", "paused"],
        BatchState::Done => &[],
    };
    let list = from.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(",");
    if list.is_empty() {
        return Ok(None);
    }
    let changed = conn.execute(
        &format!("UPDATE batches SET state = ?2, updated_at = ?3 WHERE id = ?1 AND state IN ({list})"),
        params![id, to.as_str(), now],
    )?;
    if changed == 0 {
        return Ok(None);
    }
    if to != BatchState::Cancelled {
        return Ok(Some(0));
    }
    // Cancelling also stops the events it made that are still waiting.
    let mut stmt = conn.prepare(
        "UPDATE events SET state = 'cancelled', next_attempt_at = NULL, updated_at = ?2
         WHERE batch_id = ?1 AND state IN ('pending', 'retrying', 'held') RETURNING id",
    )?;
    let stopped: Vec<i64> = stmt.query_map(params![id, now], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for event in &stopped {
        crate::events::add_mark(conn, *event, now, "cancelled", &format!("cancelled with bulk replay {id}"))?;
    }
    Ok(Some(stopped.len()))
}

impl Store {
    /// Resolves a source to ids (oldest first; at most `MAX_ITEMS + 1`).
    pub async fn resolve_batch_source(&self, source: BatchSource) -> Result<Vec<i64>, StoreError> {
        self.readers.read(move |conn| resolve(conn, &source)).await
    }

    /// Stores a bulk replay over these ids, `running` (or `done` when there are none).
    pub async fn create_batch(&self, input: BatchInput, ids: Vec<i64>, now: Timestamp) -> Result<Batch, StoreError> {
        self.writer
            .write(move |tx| {
                let id = create(tx, &input, &ids, now)?;
                get(tx, id)?.ok_or(StoreError::WorkerGone)
            })
            .await
    }

    pub async fn get_batch(&self, id: BatchId) -> Result<Option<Batch>, StoreError> {
        self.readers.read(move |conn| get(conn, id)).await
    }

    pub async fn list_batches(&self, limit: u32) -> Result<Vec<Batch>, StoreError> {
        self.readers.read(move |conn| list(conn, limit)).await
    }

    /// Ids of batches still running (to resume after a restart).
    pub async fn running_batches(&self) -> Result<Vec<BatchId>, StoreError> {
        self.readers
            .read(|conn| {
                let mut stmt = conn.prepare("SELECT id FROM batches WHERE state = 'running' ORDER BY id")?;
                Ok(stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?)
            })
            .await
    }

    pub async fn batch_work(&self, id: BatchId) -> Result<Option<(BatchState, usize, Vec<i64>)>, StoreError> {
        self.readers.read(move |conn| work(conn, id)).await
    }

    /// Where a batch stands: its state and the next item's index.
    pub async fn batch_position(&self, id: BatchId) -> Result<Option<(BatchState, usize)>, StoreError> {
        self.readers
            .read(move |conn| {
                let mut stmt = conn.prepare_cached("SELECT state, next_index FROM batches WHERE id = ?1")?;
                let row = stmt.query_row([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, usize>(1)?))).optional()?;
                Ok(row.map(|(state, next)| (BatchState::parse(&state), next)))
            })
            .await
    }

    /// Handles item `index` of a batch in one transaction (see `step`).
    pub async fn batch_step(
        &self,
        id: BatchId,
        index: usize,
        outcome: Result<NewEvent, String>,
        now: Timestamp,
    ) -> Result<Option<Event>, StoreError> {
        self.writer.write(move |tx| step(tx, id, index, &outcome, now)).await
    }

    /// Pauses, resumes or cancels; `None` when the batch is not in a state that allows it. A cancel
    /// returns how many waiting events it stopped.
    pub async fn set_batch_state(
        &self,
        id: BatchId,
        to: BatchState,
        now: Timestamp,
    ) -> Result<Option<usize>, StoreError> {
        self.writer.write(move |tx| set_state(tx, id, to, now)).await
    }
}
