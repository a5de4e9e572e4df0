//! The single writer: one thread owns the write connection and commits jobs in groups.
//!
//! Jobs that arrive while a transaction is being committed wait and go into the next one, so under
//! load many writes share one commit. Each job runs inside its own savepoint: one failing job is
//! rolled back alone and the others in its group still commit. Replies are sent only after COMMIT.

use std::sync::mpsc;
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::StoreError;

/// Most jobs in one transaction; bounds how long the first job of a group waits for its commit.
const MAX_GROUP: usize = 256;

/// Test hook, read once when the writer starts: caps the database at this many pages
/// (`PRAGMA max_page_count` on the writer's connection), so a test can make SQLite answer
/// "database or disk is full" without filling a real disk (the crash scenarios use it where a
/// small tmpfs cannot be mounted). Never set it in normal use.
pub const TEST_MAX_PAGE_COUNT_ENV: &str = "HOOKBENCH_TEST_MAX_PAGE_COUNT";

/// A write waiting for the writer: `run` executes it inside the open transaction, `finish` answers
/// the caller once the transaction's fate is known.
trait WriteJob: Send {
    fn run(&mut self, conn: &Connection) -> bool;
    /// A copy of the error `run` ended with, if it failed.
    fn failure(&self) -> Option<StoreError>;
    fn finish(self: Box<Self>, commit: Result<(), StoreError>);
}

struct TypedJob<T, F> {
    f: Option<F>,
    result: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> WriteJob for TypedJob<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let result = match self.f.take() {
            Some(f) => f(conn),
            None => Err(StoreError::WorkerGone),
        };
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn failure(&self) -> Option<StoreError> {
        match &self.result {
            Some(Err(e)) => Some(copy_error(e)),
            _ => None,
        }
    }

    fn finish(self: Box<Self>, commit: Result<(), StoreError>) {
        let answer = match (commit, self.result) {
            (Err(e), _) => Err(e),
            (Ok(()), Some(result)) => result,
            (Ok(()), None) => Err(StoreError::WorkerGone),
        };
        let _ = self.reply.send(answer);
    }
}

type Job = Box<dyn WriteJob>;

enum Msg {
    Job(Job),
    Close,
}

pub struct Writer {
    sender: mpsc::Sender<Msg>,
    thread: std::sync::Mutex<Option<JoinHandle<()>>>,
    /// The store's trouble since the last write that went through: locked, or the disk is full.
    trouble: std::sync::Mutex<Option<StoreTrouble>>,
}

/// Writes are failing for a reason that may pass (database locked by another process, disk full).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoreTrouble {
    /// What SQLite said, as a person reads it.
    pub error: String,
    /// When the first failing write of this spell was answered (unix ms, wall clock).
    pub since: i64,
    /// Writes refused since then.
    pub failed_writes: u64,
}

impl Writer {
    pub fn start(conn: Connection) -> Result<Self, StoreError> {
        if let Some(pages) = std::env::var(TEST_MAX_PAGE_COUNT_ENV).ok().and_then(|v| v.trim().parse::<u32>().ok()) {
            let set: u32 = conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |row| row.get(0))?;
            tracing::warn!(pages = set, "test hook {TEST_MAX_PAGE_COUNT_ENV}: the database is capped");
        }
        let (sender, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("hookbench-store-writer".into())
            .spawn(move || run(conn, receiver))
            .map_err(|_| StoreError::WorkerGone)?;
        Ok(Self { sender, thread: std::sync::Mutex::new(Some(thread)), trouble: std::sync::Mutex::new(None) })
    }

    /// Runs `f` in the writer's next transaction and returns its result once committed.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, StoreError>>();
        let job: Job = Box::new(TypedJob { f: Some(f), result: None, reply });
        self.sender.send(Msg::Job(job)).map_err(|_| StoreError::Closed)?;
        let result = answer.await.map_err(|_| StoreError::WorkerGone)?;
        self.note(&result);
        result
    }

    /// Keeps the health current: a transient failure starts (or extends) a spell of trouble, any
    /// write that commits ends it. Other errors (a conflict, bad input) say nothing about the store.
    fn note<T>(&self, result: &Result<T, StoreError>) {
        let mut trouble = self.trouble.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match result {
            Ok(_) => {
                if let Some(t) = trouble.take() {
                    tracing::info!(failed_writes = t.failed_writes, "the store takes writes again");
                }
            }
            Err(e) if e.is_transient() => match trouble.as_mut() {
                Some(t) => t.failed_writes += 1,
                None => {
                    let since = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
                    *trouble = Some(StoreTrouble { error: e.to_string(), since, failed_writes: 1 });
                }
            },
            Err(_) => {}
        }
    }

    /// `None` while writes go through.
    pub fn trouble(&self) -> Option<StoreTrouble> {
        self.trouble.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Commits what is queued, then stops the thread. Later writes fail with `StoreError::Closed`.
    pub async fn close(&self) {
        let _ = self.sender.send(Msg::Close);
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.sender.send(Msg::Close);
    }
}

fn run(conn: Connection, receiver: mpsc::Receiver<Msg>) {
    let mut closing = false;
    while !closing {
        let mut group = Vec::new();
        match receiver.recv() {
            Ok(Msg::Job(job)) => group.push(job),
            Ok(Msg::Close) | Err(_) => break,
        }
        while group.len() < MAX_GROUP {
            match receiver.try_recv() {
                Ok(Msg::Job(job)) => group.push(job),
                Ok(Msg::Close) => {
                    closing = true;
                    break;
                }
                Err(_) => break,
            }
        }
        commit_group(&conn, group);
    }
    // Leave the WAL checkpointed so the next open is quick; a failure here loses nothing.
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
}

fn commit_group(conn: &Connection, group: Vec<Job>) {
    let mut rest = group;
    while !rest.is_empty() {
        rest = commit_some(conn, rest);
    }
}

/// Runs the jobs in one transaction and answers them once its fate is known. Returns the jobs not
/// run yet when SQLite rolled the whole transaction back under a failing job (it does so on
/// "database or disk is full", some I/O errors and out of memory): they go into a new one.
fn commit_some(conn: &Connection, group: Vec<Job>) -> Vec<Job> {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "cannot start a write transaction");
        for job in group {
            job.finish(Err(StoreError::from(clone_error(&e))));
        }
        return Vec::new();
    }
    let mut ran: Vec<Job> = Vec::with_capacity(group.len());
    let mut jobs = group.into_iter();
    while let Some(mut job) = jobs.next() {
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            job.finish(Err(StoreError::from(e)));
            continue;
        }
        let ok = job.run(conn);
        if !ok && conn.is_autocommit() {
            // The transaction is gone with everything run in it; going on would run the next jobs
            // in autocommit mode, outside any group. Every job run so far fails with the cause.
            let cause = job.failure();
            tracing::error!(error = ?cause, "SQLite rolled back the write transaction; its jobs are not stored");
            job.finish(Ok(()));
            for done in ran {
                let error = cause.as_ref().map_or(StoreError::WorkerGone, copy_error);
                done.finish(Err(error));
            }
            return jobs.collect();
        }
        let closed =
            if ok { conn.execute_batch("RELEASE job") } else { conn.execute_batch("ROLLBACK TO job; RELEASE job") };
        if let Err(e) = closed {
            if conn.is_autocommit() {
                // Closing the savepoint hit the full disk and SQLite rolled the whole transaction
                // back: this job and every one before it are not stored, with that cause; the
                // rest go into a new transaction.
                tracing::error!(error = %e, "SQLite rolled back the write transaction; its jobs are not stored");
                job.finish(Err(StoreError::from(clone_error(&e))));
                for done in ran {
                    done.finish(Err(StoreError::from(clone_error(&e))));
                }
                return jobs.collect();
            }
            tracing::error!(error = %e, "cannot close a savepoint");
        }
        ran.push(job);
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => ran.into_iter().for_each(|job| job.finish(Ok(()))),
        Err(e) => {
            tracing::error!(error = %e, "commit failed; the group is rolled back");
            let _ = conn.execute_batch("ROLLBACK");
            for job in ran {
                job.finish(Err(StoreError::from(clone_error(&e))));
            }
        }
    }
    Vec::new()
}

fn copy_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::Sqlite(e) => StoreError::Sqlite(clone_error(e)),
        other => StoreError::Sqlite(rusqlite::Error::ToSqlConversionFailure(other.to_string().into())),
    }
}

/// rusqlite errors are not `Clone`; every caller of a failed group gets its own copy.
fn clone_error(e: &rusqlite::Error) -> rusqlite::Error {
    match e {
        rusqlite::Error::SqliteFailure(code, msg) => rusqlite::Error::SqliteFailure(*code, msg.clone()),
        other => rusqlite::Error::ToSqlConversionFailure(other.to_string().into()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A full database makes SQLite roll back the whole transaction under the failing job: the jobs
    /// before it in the group are answered with the cause (not told "stored"), and the jobs after it
    /// run in a new transaction instead of in autocommit mode.
    #[tokio::test]
    async fn a_job_that_fills_the_database_fails_its_group_and_the_rest_go_into_a_new_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("t.db")).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER, b BLOB)").unwrap();
        let pages: u32 = conn.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
        let _: u32 = conn.query_row(&format!("PRAGMA max_page_count = {}", pages + 8), [], |r| r.get(0)).unwrap();
        let writer = std::sync::Arc::new(Writer::start(conn).unwrap());
        // Hold the writer busy so the next three writes queue up and share one group.
        let (hold, held) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        let holder = writer.clone();
        let first = async move {
            holder
                .write(move |_| {
                    let _ = started_tx.send(());
                    let _ = held.recv();
                    Ok(())
                })
                .await
        };
        let insert = |n: i64, size: usize| {
            let writer = writer.clone();
            tokio::spawn(async move {
                writer
                    .write(move |tx| {
                        tx.execute("INSERT INTO t VALUES (?1, zeroblob(?2))", rusqlite::params![n, size])?;
                        Ok(())
                    })
                    .await
            })
        };
        let (before, too_big, after) = {
            let first = tokio::spawn(first);
            while started.try_recv().is_err() {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            let before = insert(1, 10);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            let too_big = insert(2, 1 << 20);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            let after = insert(3, 10);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            hold.send(()).unwrap();
            first.await.unwrap().unwrap();
            (before.await.unwrap(), too_big.await.unwrap(), after.await.unwrap())
        };
        let too_big = too_big.unwrap_err();
        assert!(too_big.is_transient(), "disk full is transient: {too_big}");
        let before = before.unwrap_err();
        assert!(before.is_transient(), "rolled back with the full one, and told so: {before}");
        after.unwrap();
        let stored: Vec<i64> = writer
            .write(|tx| {
                let mut stmt = tx.prepare("SELECT n FROM t ORDER BY n")?;
                let rows = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
                Ok(rows)
            })
            .await
            .unwrap();
        assert_eq!(stored, [3], "only the write after the full one is stored");
    }
}
