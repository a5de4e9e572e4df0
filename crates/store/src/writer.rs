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

/// A write waiting for the writer: `run` executes it inside the open transaction, `finish` answers
/// the caller once the transaction's fate is known.
trait WriteJob: Send {
    fn run(&mut self, conn: &Connection) -> bool;
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
}

impl Writer {
    pub fn start(conn: Connection) -> Result<Self, StoreError> {
        let (sender, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("hookbench-store-writer".into())
            .spawn(move || run(conn, receiver))
            .map_err(|_| StoreError::WorkerGone)?;
        Ok(Self { sender, thread: std::sync::Mutex::new(Some(thread)) })
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
        answer.await.map_err(|_| StoreError::WorkerGone)?
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
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "cannot start a write transaction");
        for job in group {
            job.finish(Err(StoreError::from(clone_error(&e))));
        }
        return;
    }
    let mut ran = Vec::with_capacity(group.len());
    for mut job in group {
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            job.finish(Err(StoreError::from(e)));
            continue;
        }
        let ok = job.run(conn);
        let closed =
            if ok { conn.execute_batch("RELEASE job") } else { conn.execute_batch("ROLLBACK TO job; RELEASE job") };
        if let Err(e) = closed {
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
}

/// rusqlite errors are not `Clone`; every caller of a failed group gets its own copy.
fn clone_error(e: &rusqlite::Error) -> rusqlite::Error {
    match e {
        rusqlite::Error::SqliteFailure(code, msg) => rusqlite::Error::SqliteFailure(*code, msg.clone()),
        other => rusqlite::Error::ToSqlConversionFailure(other.to_string().into()),
    }
}
