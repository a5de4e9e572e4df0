//! The single writer: one thread owns the write connection and commits jobs in groups.
//!
//! Jobs that arrive while a transaction is being committed wait and go into the next one, so under
//! load many writes share one commit. One failing job is rolled back alone and the others in its
//! group still commit. Replies are sent only after COMMIT.
//!
//! Most jobs run inside their own savepoint. Jobs that may run twice (`write_rerunnable`: the
//! capture insert) run without one, because opening a savepoint is not free: FTS5 flushes its
//! pending index data at every savepoint, so a savepoint per capture wrote one index segment per
//! capture instead of one per group, and every page a job touched was copied to the sub-journal.
//! When such a job fails, the run of rerunnable jobs it belongs to is undone (to a savepoint taken
//! before the run, or by rolling back the transaction when the run began it) and run again
//! without the failed job; nobody has been answered yet, so nothing observable happens twice.
//!
//! Checkpoints run on a thread of their own (`Checkpointer`), never inside a commit: the writer's
//! connection has `wal_autocheckpoint = 0`. A commit is durable once it is in the WAL
//! (`synchronous = NORMAL`: a `kill -9` loses nothing acknowledged), so moving pages from the WAL
//! into the database can wait and happen beside the writer.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::StoreError;

/// Most jobs in one transaction; bounds how long the first job of a group waits for its commit.
const MAX_GROUP: usize = 256;

/// How often the checkpointer looks for committed pages to move from the WAL into the database.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(100);

/// The WAL's bound. SQLite starts the WAL over at the first transaction that begins when every
/// frame in it has been checkpointed, and then cuts the file back to the bound
/// (`journal_size_limit`; never smaller: cutting a 128 MiB WAL down to 16 MiB took the writer
/// 226 ms, and writing over the file's blocks is cheaper than growing it again). A checkpointer
/// on another thread rarely sees that moment under steady writes (the writer commits while it
/// copies), so when the file is past the bound (frames written since the last restart fill more
/// than this) the writer finishes the checkpoint itself right after a commit (what is left since
/// the checkpointer's last pass), and its next transaction starts the WAL over. That costs the
/// writer two `fsync`s (5–90 ms measured on the shared development disk), so the bound is large
/// enough to make it rare: every 5–10 s with the writer busy with captures, never when writes
/// pause now and then.
const WAL_LIMIT_BYTES: u64 = 128 << 20;

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
    /// Whether `run` may be called again after its effects were rolled back (no savepoint needed).
    fn rerunnable(&self) -> bool {
        false
    }
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
        failure_of(&self.result)
    }

    fn finish(self: Box<Self>, commit: Result<(), StoreError>) {
        let _ = self.reply.send(answer(commit, self.result));
    }
}

/// A copy of the error a job's run ended with, if it failed.
fn failure_of<T>(result: &Option<Result<T, StoreError>>) -> Option<StoreError> {
    match result {
        Some(Err(e)) => Some(copy_error(e)),
        _ => None,
    }
}

/// What a job's caller is told once the transaction's fate is known.
fn answer<T>(commit: Result<(), StoreError>, result: Option<Result<T, StoreError>>) -> Result<T, StoreError> {
    match (commit, result) {
        (Err(e), _) => Err(e),
        (Ok(()), Some(result)) => result,
        (Ok(()), None) => Err(StoreError::WorkerGone),
    }
}

/// A job that can run again: its closure is `Fn` and does nothing outside the transaction.
struct RerunJob<T, F> {
    f: F,
    result: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> WriteJob for RerunJob<T, F>
where
    T: Send,
    F: Fn(&Connection) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let result = (self.f)(conn);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn failure(&self) -> Option<StoreError> {
        failure_of(&self.result)
    }

    fn finish(self: Box<Self>, commit: Result<(), StoreError>) {
        let _ = self.reply.send(answer(commit, self.result));
    }

    fn rerunnable(&self) -> bool {
        true
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
        Self::start_with(conn, WAL_LIMIT_BYTES)
    }

    /// `start` with another bound for the WAL (tests).
    fn start_with(conn: Connection, wal_limit: u64) -> Result<Self, StoreError> {
        // The sub-journal of savepoints and temporary b-trees stay in memory.
        conn.execute_batch("PRAGMA temp_store = MEMORY;")?;
        let checkpointer = match conn.path().filter(|p| !p.is_empty()) {
            Some(path) => match Checkpointer::start(Path::new(path)) {
                Ok(c) => {
                    // Commits never checkpoint; the checkpointer does.
                    conn.execute_batch(&format!(
                        "PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = {wal_limit};"
                    ))?;
                    Some(c)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "no checkpointer thread; commits checkpoint the WAL themselves");
                    None
                }
            },
            None => None,
        };
        if let Some(pages) = std::env::var(TEST_MAX_PAGE_COUNT_ENV).ok().and_then(|v| v.trim().parse::<u32>().ok()) {
            let set: u32 = conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |row| row.get(0))?;
            tracing::warn!(pages = set, "test hook {TEST_MAX_PAGE_COUNT_ENV}: the database is capped");
        }
        let (sender, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("hookbench-store-writer".into())
            .spawn(move || run(conn, receiver, checkpointer, wal_limit))
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
        self.send(job, answer).await
    }

    /// Like `write`, for a job that may run more than once: after a failure of another job in its
    /// group rolled it back, it runs again (only its last run counts, and it is answered once).
    /// `f` must do nothing but SQL on the connection it is given. Such jobs need no savepoint
    /// of their own, which makes them much cheaper in a group (see the module documentation).
    pub async fn write_rerunnable<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, StoreError>>();
        let job: Job = Box::new(RerunJob { f, result: None, reply });
        self.send(job, answer).await
    }

    async fn send<T>(&self, job: Job, answer: oneshot::Receiver<Result<T, StoreError>>) -> Result<T, StoreError> {
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

fn run(conn: Connection, receiver: mpsc::Receiver<Msg>, checkpointer: Option<Checkpointer>, wal_limit: u64) {
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
        if !commit_group(&conn, group) {
            continue;
        }
        let Some(c) = &checkpointer else { continue };
        c.dirty.store(true, Ordering::Relaxed);
        let Some(size) = std::fs::metadata(&c.wal).ok().map(|m| m.len()).filter(|&len| len > wal_limit) else {
            continue;
        };
        // The WAL is past its bound (the group is answered already): copy what the checkpointer
        // has not yet, so the next transaction starts the WAL over (unless a reader still uses
        // its old frames). While the checkpointer is in a pass this waits for nothing and the
        // next commit tries again; past twice the bound (the disk is slower than the writer) the
        // writer waits for the checkpointer's pass and the readers instead. (SQLite answers a
        // second checkpoint "busy" at once, even with a busy handler: hence the mutex.)
        let (guard, mode) = if size > 2 * wal_limit {
            (Some(c.pass.lock().unwrap_or_else(std::sync::PoisonError::into_inner)), "FULL")
        } else {
            let guard = match c.pass.try_lock() {
                Ok(g) => Some(g),
                Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) => None,
            };
            (guard, "PASSIVE")
        };
        if guard.is_some()
            && let Err(e) = checkpoint(&conn, mode)
        {
            tracing::debug!(error = %e, "the writer could not finish a checkpoint");
        }
    }
    // The checkpointer's connection closes first, so the writer's is the last and SQLite removes
    // the WAL with it. Leave the WAL checkpointed so the next open is quick; a failure here loses nothing.
    drop(checkpointer);
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
}

/// `PRAGMA wal_checkpoint(mode)`: (busy, frames in the WAL, frames checkpointed).
fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<(i64, i64, i64)> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
}

/// A thread with its own connection that moves committed pages from the WAL into the database
/// (`PRAGMA wal_checkpoint(PASSIVE)`: it never waits for the writer or for readers), every
/// `CHECKPOINT_INTERVAL` while there is something to move. Stops when dropped.
struct Checkpointer {
    /// Set by the writer after a commit: there is something to checkpoint (also set again by the
    /// checkpointer when a pass left frames behind).
    dirty: Arc<AtomicBool>,
    /// The WAL file.
    wal: PathBuf,
    /// Held for every checkpoint, by either thread.
    pass: Arc<std::sync::Mutex<()>>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    fn start(path: &Path) -> Result<Self, StoreError> {
        let conn = crate::open_connection(path, false)?;
        let dirty = Arc::new(AtomicBool::new(false));
        let (stop, stopped) = mpsc::channel::<()>();
        let pass = Arc::new(std::sync::Mutex::new(()));
        let (theirs, their_pass) = (dirty.clone(), pass.clone());
        let db: PathBuf = path.to_owned();
        let thread = std::thread::Builder::new()
            .name("hookbench-store-checkpoint".into())
            .spawn(move || checkpoint_loop(&conn, &theirs, &their_pass, &stopped, &db))
            .map_err(|_| StoreError::WorkerGone)?;
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        Ok(Self { dirty, wal: PathBuf::from(wal), pass, stop: Some(stop), thread: Some(thread) })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn checkpoint_loop(
    conn: &Connection,
    dirty: &AtomicBool,
    pass: &std::sync::Mutex<()>,
    stopped: &mpsc::Receiver<()>,
    path: &Path,
) {
    let mut failing = false;
    loop {
        match stopped.recv_timeout(CHECKPOINT_INTERVAL) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        if !dirty.swap(false, Ordering::Relaxed) {
            continue;
        }
        let done = {
            let _pass = pass.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            checkpoint(conn, "PASSIVE")
        };
        match done {
            Ok((_, log, done)) => {
                failing = false;
                if done < log {
                    // Frames committed meanwhile (or held by a reader): look again next time.
                    dirty.store(true, Ordering::Relaxed);
                }
            }
            Err(e) => {
                dirty.store(true, Ordering::Relaxed);
                if !failing {
                    tracing::warn!(error = %e, path = %path.display(), "checkpoint failed; retrying");
                    failing = true;
                }
            }
        }
    }
}

/// Commits the group (in more than one transaction if SQLite rolled one back under a job);
/// `true` when something was committed.
fn commit_group(conn: &Connection, group: Vec<Job>) -> bool {
    let mut rest = group;
    let mut committed = false;
    while !rest.is_empty() {
        let (left, done) = commit_some(conn, rest);
        committed |= done;
        rest = left;
    }
    committed
}

/// Runs one statement through the connection's statement cache (no parsing after the first time).
fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// How a failing rerunnable job's run is undone.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Undo {
    /// The run began the transaction: roll it back and begin again.
    Transaction,
    /// A savepoint `run` was taken before the run.
    Savepoint,
}

/// The transaction is gone in the middle of a run: SQLite rolled it back under a failing job, or
/// the run could not be undone or closed. The job it failed under (`failed`) answers with its own
/// error, the others up to `resume_at` with `cause`; the jobs from `resume_at` on go into a new
/// transaction.
struct Lost {
    failed: Option<usize>,
    resume_at: usize,
    cause: Option<StoreError>,
}

/// Runs consecutive rerunnable jobs without a savepoint each. When one fails, the run is undone and
/// run again without it (a failed job keeps its own error and is not run again).
fn run_rerunnable(conn: &Connection, jobs: &mut [Job], undo: Undo) -> Result<(), Lost> {
    if undo == Undo::Savepoint {
        exec(conn, "SAVEPOINT run").map_err(|e| Lost {
            failed: None,
            resume_at: 0,
            cause: Some(StoreError::from(e)),
        })?;
    }
    let mut failed = vec![false; jobs.len()];
    loop {
        let mut failing = None;
        for (i, job) in jobs.iter_mut().enumerate() {
            if failed[i] {
                continue;
            }
            if !job.run(conn) {
                if conn.is_autocommit() {
                    return Err(Lost { failed: Some(i), resume_at: i + 1, cause: job.failure() });
                }
                failing = Some(i);
                break;
            }
        }
        let Some(i) = failing else { break };
        failed[i] = true;
        let undone = match undo {
            Undo::Transaction => exec(conn, "ROLLBACK").and_then(|()| exec(conn, "BEGIN IMMEDIATE")),
            Undo::Savepoint => exec(conn, "ROLLBACK TO run"),
        };
        if let Err(e) = undone {
            return Err(Lost { failed: Some(i), resume_at: i + 1, cause: Some(StoreError::from(e)) });
        }
    }
    if undo == Undo::Savepoint
        && let Err(e) = exec(conn, "RELEASE run")
        && conn.is_autocommit()
    {
        return Err(Lost { failed: None, resume_at: jobs.len(), cause: Some(StoreError::from(e)) });
    }
    Ok(())
}

/// Runs the jobs in one transaction and answers them once its fate is known. Returns the jobs not
/// run yet when SQLite rolled the whole transaction back under a failing job (it does so on
/// "database or disk is full", some I/O errors and out of memory): they go into a new one; and
/// whether the transaction committed.
fn commit_some(conn: &Connection, group: Vec<Job>) -> (Vec<Job>, bool) {
    if let Err(e) = exec(conn, "BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "cannot start a write transaction");
        for job in group {
            job.finish(Err(StoreError::from(clone_error(&e))));
        }
        return (Vec::new(), false);
    }
    let mut ran: Vec<Job> = Vec::with_capacity(group.len());
    let mut jobs = group.into_iter().peekable();
    while let Some(mut job) = jobs.next() {
        if job.rerunnable() {
            let undo = if ran.is_empty() { Undo::Transaction } else { Undo::Savepoint };
            let mut run = vec![job];
            while let Some(next) = jobs.next_if(|j| j.rerunnable()) {
                run.push(next);
            }
            if let Err(lost) = run_rerunnable(conn, &mut run, undo) {
                tracing::error!(error = ?lost.cause, "the write transaction is rolled back; its jobs are not stored");
                if !conn.is_autocommit() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                let mut rest: Vec<Job> = run.split_off(lost.resume_at.min(run.len()));
                for (i, done) in
                    ran.into_iter().map(|j| (None, j)).chain(run.into_iter().enumerate().map(|(i, j)| (Some(i), j)))
                {
                    if i.is_some() && i == lost.failed {
                        done.finish(Ok(()));
                    } else {
                        done.finish(Err(lost.cause.as_ref().map_or(StoreError::WorkerGone, copy_error)));
                    }
                }
                rest.extend(jobs);
                return (rest, false);
            }
            ran.extend(run);
            continue;
        }
        if let Err(e) = exec(conn, "SAVEPOINT job") {
            if conn.is_autocommit() {
                tracing::error!(error = %e, "SQLite rolled back the write transaction; its jobs are not stored");
                job.finish(Err(StoreError::from(clone_error(&e))));
                for done in ran {
                    done.finish(Err(StoreError::from(clone_error(&e))));
                }
                return (jobs.collect(), false);
            }
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
            return (jobs.collect(), false);
        }
        let closed = if ok {
            exec(conn, "RELEASE job")
        } else {
            exec(conn, "ROLLBACK TO job").and_then(|()| exec(conn, "RELEASE job"))
        };
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
                return (jobs.collect(), false);
            }
            tracing::error!(error = %e, "cannot close a savepoint");
        }
        ran.push(job);
    }
    match exec(conn, "COMMIT") {
        Ok(()) => {
            ran.into_iter().for_each(|job| job.finish(Ok(())));
            (Vec::new(), true)
        }
        Err(e) => {
            tracing::error!(error = %e, "commit failed; the group is rolled back");
            let _ = conn.execute_batch("ROLLBACK");
            for job in ran {
                job.finish(Err(StoreError::from(clone_error(&e))));
            }
            (Vec::new(), false)
        }
    }
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

    /// Holds the writer busy until the returned sender is used, so the writes queued meanwhile share
    /// one group.
    async fn hold(writer: &std::sync::Arc<Writer>) -> (std::sync::mpsc::Sender<()>, tokio::task::JoinHandle<()>) {
        let (hold, held) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        let holder = writer.clone();
        let first = tokio::spawn(async move {
            holder
                .write(move |_| {
                    let _ = started_tx.send(());
                    let _ = held.recv();
                    Ok(())
                })
                .await
                .unwrap();
        });
        while started.try_recv().is_err() {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        (hold, first)
    }

    /// Rerunnable jobs run without a savepoint each: when one of them fails after writing, the
    /// others of its group still commit (run again without it), its own writes are undone, and it
    /// is answered with its error; also after a savepoint job earlier in the group.
    #[tokio::test]
    async fn a_failing_rerunnable_job_is_undone_alone_and_the_rest_of_its_group_commits() {
        for savepoint_job_first in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let conn = Connection::open(dir.path().join("t.db")).unwrap();
            conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER PRIMARY KEY)").unwrap();
            let writer = std::sync::Arc::new(Writer::start(conn).unwrap());
            let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let (hold, first) = hold(&writer).await;
            let mut queued = Vec::new();
            if savepoint_job_first {
                let w = writer.clone();
                queued.push(tokio::spawn(async move {
                    w.write(|tx| {
                        tx.execute("INSERT INTO t VALUES (100)", [])?;
                        Ok(())
                    })
                    .await
                }));
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            for n in [1i64, 2, 3] {
                let w = writer.clone();
                let runs = runs.clone();
                queued.push(tokio::spawn(async move {
                    w.write_rerunnable(move |tx| {
                        runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        tx.execute("INSERT INTO t VALUES (?1)", [n])?;
                        if n == 2 {
                            tx.execute("INSERT INTO t VALUES (20)", [])?;
                            return Err(StoreError::Invalid("two is refused after writing".into()));
                        }
                        Ok(())
                    })
                    .await
                }));
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            hold.send(()).unwrap();
            first.await.unwrap();
            let mut answers = Vec::new();
            for q in queued {
                answers.push(q.await.unwrap());
            }
            let failed: Vec<bool> = answers.iter().map(Result::is_err).collect();
            let expected: &[bool] =
                if savepoint_job_first { &[false, false, true, false] } else { &[false, true, false] };
            assert_eq!(failed, expected, "only the job that failed is answered with an error: {answers:?}");
            assert!(
                matches!(answers.iter().find_map(|a| a.as_ref().err()), Some(StoreError::Invalid(m)) if m.contains("two")),
                "the failed job gets its own error: {answers:?}"
            );
            assert_eq!(runs.load(std::sync::atomic::Ordering::Relaxed), 4, "the job before the failed one ran again");
            let stored: Vec<i64> = writer
                .write(|tx| {
                    let mut stmt = tx.prepare("SELECT n FROM t ORDER BY n")?;
                    let rows = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
                    Ok(rows)
                })
                .await
                .unwrap();
            let expected: &[i64] = if savepoint_job_first { &[1, 3, 100] } else { &[1, 3] };
            assert_eq!(stored, expected, "the failed job's writes are undone, the rest committed");
        }
    }

    /// Commits never checkpoint (`wal_autocheckpoint = 0`); the checkpointer thread keeps the WAL
    /// bounded under steady writes that never let the writer rest, and every write is stored.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_checkpointer_keeps_the_wal_bounded_under_steady_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE t (n INTEGER, b BLOB)",
        )
        .unwrap();
        let limit: u64 = 8 << 20;
        let writer = std::sync::Arc::new(Writer::start_with(conn, limit).unwrap());
        let auto: i64 =
            writer.write(|tx| Ok(tx.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))?)).await.unwrap();
        assert_eq!(auto, 0, "commits leave checkpoints to the checkpointer");
        // 8 writers, 16 KiB each, 144 MiB in all: without checkpoints the WAL would hold all of it.
        const WRITERS: i64 = 8;
        const EACH: i64 = 1152;
        let wal = dir.path().join("t.db-wal");
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let writer = writer.clone();
            let wal = wal.clone();
            tasks.push(tokio::spawn(async move {
                let mut largest = 0u64;
                for i in 0..EACH {
                    writer
                        .write(move |tx| {
                            tx.execute("INSERT INTO t VALUES (?1, zeroblob(16384))", [w * EACH + i])?;
                            Ok(())
                        })
                        .await
                        .unwrap();
                    largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
                }
                largest
            }));
        }
        let mut largest = 0;
        for t in tasks {
            largest = largest.max(t.await.unwrap());
        }
        let written = (WRITERS * EACH * 16384) as u64;
        // Past twice the bound the writer waits for the checkpoint: that plus one group, on a quiet
        // machine. On two busy cores a starved checkpointer has let it reach 57 MB; the bound stays
        // far under the 144 MiB written, which a WAL without checkpoints holds whole (174 MB seen).
        let bound = 10 * limit;
        assert!(largest < bound, "the WAL grew to {largest} bytes for {written} bytes written (bound {bound})");
        let count: i64 =
            writer.write(|tx| Ok(tx.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?)).await.unwrap();
        assert_eq!(count, WRITERS * EACH);
    }
}
