//! The single writer: one thread owns the only read-write connection and commits whatever
//! jobs have queued up in one transaction (group commit, `store::batch`).
//!
//! With `synchronous=FULL` one fsync per message caps ingest near 3,800 messages/s on the
//! reference machine; one per batch of a few hundred gets ~20–30k/s. Events a job emits get
//! their ids (the sync cursor) here, in commit order, and reach the [`EventSink`] after the
//! commit, in that order.

use std::{sync::Arc, time::Instant};

use parley_protocol::{Message, UserId};
use rusqlite::{Connection, params};
use tokio::sync::mpsc;

use super::{Db, sql_err};
use crate::{
    clock::now_ms,
    metrics::Metrics,
    store::{
        EventSink, Published, StoreError, StoreResult, Ticket,
        batch::{self, EventLog, Job, JobQueue, Reply, Savepoints},
        persist::{NewEvent, Reader, Tx, TxCore},
        rules::messages::SendRequest,
    },
};

/// The open transaction as write jobs see it: the connection, the batch's clock and the
/// event log's next position.
pub struct SqliteTx<'c> {
    pub(super) db: Db<'c>,
    now: i64,
    log: EventLog,
}

impl SqliteTx<'_> {
    pub(super) fn conn(&self) -> &Connection {
        self.db.0
    }

    /// The position the next appended event will get (membership spans start and end there).
    pub(super) fn next_event_id(&self) -> i64 {
        self.log.next_id()
    }
}

impl TxCore for SqliteTx<'_> {
    fn read(&mut self) -> &mut dyn Reader {
        &mut self.db
    }

    fn now(&self) -> i64 {
        self.now
    }

    fn append_events(&mut self, events: Vec<NewEvent>) -> StoreResult<()> {
        let conn = self.db.0;
        for e in events {
            let event = self
                .log
                .append(&e.conversation, self.now, e.payload, e.recipients)?;
            conn.prepare_cached(
                "INSERT INTO events (id, conversation_id, type, at, json, for_user) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    event.id,
                    e.conversation.as_str(),
                    event.type_name,
                    self.now,
                    &*event.json,
                    e.for_user.as_ref().map(UserId::as_str)
                ])
            })
            .map_err(sql_err)?;
            if e.for_user.is_none() {
                conn.prepare_cached("UPDATE conversations SET activity = ?1 WHERE id = ?2")
                    .and_then(|mut s| s.execute(params![event.id, e.conversation.as_str()]))
                    .map_err(sql_err)?;
            }
        }
        Ok(())
    }
}

impl Savepoints for SqliteTx<'_> {
    fn savepoint(&mut self) -> StoreResult<()> {
        self.log.mark();
        self.db.0.execute_batch("SAVEPOINT job").map_err(sql_err)
    }

    fn release(&mut self, ok: bool) -> StoreResult<()> {
        if !ok {
            self.log.undo();
        }
        self.db
            .0
            .execute_batch(if ok {
                "RELEASE job"
            } else {
                "ROLLBACK TO job; RELEASE job"
            })
            .map_err(sql_err)
    }
}

#[derive(Clone)]
pub struct Writer {
    jobs: JobQueue,
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub fn start(
        conn: Connection,
        sink: Arc<dyn EventSink>,
        metrics: Arc<Metrics>,
    ) -> StoreResult<Self> {
        let next_event_id = first_free_event_id(&conn)?;
        let (jobs, rx) = JobQueue::new();
        std::thread::Builder::new()
            .name("parley-sqlite-writer".to_owned())
            .spawn(move || run(conn, rx, next_event_id, &*sink, &metrics))
            .map_err(|e| StoreError::Other(e.to_string()))?;
        Ok(Self { jobs })
    }

    /// Queues `f` (see [`JobQueue::submit`]).
    pub async fn submit<T, F>(&self, f: F) -> StoreResult<Ticket<T>>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Tx) -> StoreResult<T> + Send + 'static,
    {
        self.jobs.submit(f).await
    }

    /// Queues a message to send (see [`JobQueue::submit_send`]).
    pub async fn submit_send(&self, request: SendRequest) -> StoreResult<Ticket<(Message, bool)>> {
        self.jobs.submit_send(request).await
    }
}

fn first_free_event_id(conn: &Connection) -> StoreResult<i64> {
    conn.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM events", [], |r| {
        r.get(0)
    })
    .map_err(sql_err)
}

fn run(
    conn: Connection,
    mut rx: mpsc::Receiver<Job>,
    mut next_event_id: i64,
    sink: &dyn EventSink,
    metrics: &Metrics,
) {
    while let Some(batch) = batch::next_batch(&mut rx) {
        let started = Instant::now();
        let size = batch.len();
        let (replies, events, commit_error) = commit_batch(&conn, batch, &mut next_event_id);
        if commit_error.is_none() {
            sink.publish(events);
        } else {
            // Nothing of the batch is stored: hand the event ids out again.
            next_event_id = first_free_event_id(&conn).unwrap_or(next_event_id);
        }
        for reply in replies {
            reply(commit_error.as_ref());
        }
        metrics.observe_write_batch(size, started.elapsed());
    }
    tracing::debug!("database writer stopped");
}

/// Runs the jobs in one transaction. Returns their replies, the events to publish, and the
/// error if the transaction as a whole failed.
fn commit_batch(
    conn: &Connection,
    batch: Vec<Job>,
    next_event_id: &mut i64,
) -> (Vec<Reply>, Vec<Published>, Option<StoreError>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let error = sql_err(e);
        tracing::error!(error = %error, "could not begin a write transaction");
        return (batch::unstarted(batch), Vec::new(), Some(error));
    }
    let mut tx = SqliteTx {
        db: Db(conn),
        now: now_ms(),
        log: EventLog::starting_at(*next_event_id),
    };
    let replies = batch::run_jobs(&mut tx, batch);
    let next = tx.log.next_id();
    match conn.execute_batch("COMMIT") {
        Ok(()) => {
            *next_event_id = next;
            (replies, tx.log.into_published(), None)
        }
        Err(e) => {
            let error = sql_err(e);
            tracing::error!(error = %error, "write transaction failed to commit");
            let _ = conn.execute_batch("ROLLBACK");
            (replies, Vec::new(), Some(error))
        }
    }
}
