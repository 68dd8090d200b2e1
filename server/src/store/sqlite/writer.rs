//! The single writer: one thread owns the only read-write connection and commits whatever
//! jobs have queued up in one transaction (group commit).
//!
//! Why: with `synchronous=FULL` one fsync per message caps ingest near 3,800 messages/s on
//! the reference machine; one fsync per batch of a few hundred gets ~20–30k/s. Each job runs
//! inside its own SAVEPOINT so a failing job (say, a duplicate) is rolled back alone. A job's
//! caller hears back only after COMMIT returns, which is what "acknowledged only once durably
//! stored" needs. Events a job emits get their ids (the sync cursor) here, in commit order,
//! and reach the [`EventSink`] after the commit, in that order.

use std::{sync::Arc, time::Instant};

use parley_protocol::{ConversationId, Event, EventPayload, UserId};
use rusqlite::{Connection, params};
use tokio::sync::{mpsc, oneshot};

use super::{Db, sql_err};
use crate::{
    clock::{now_ms, time_of},
    metrics::Metrics,
    store::{
        EventSink, Published, StoreError, StoreResult, Ticket, cursor,
        persist::{Reader, Tx, TxCore},
    },
};

/// Most jobs in one transaction: bounds the latency one batch adds to the jobs behind it.
const MAX_BATCH: usize = 1024;

/// The open transaction as write jobs see it: the connection, the batch's clock and the
/// event log's next position.
pub struct SqliteTx<'c> {
    pub(super) db: Db<'c>,
    now: i64,
    next_event_id: i64,
    events: Vec<Published>,
}

impl SqliteTx<'_> {
    pub(super) fn conn(&self) -> &Connection {
        self.db.0
    }

    /// The transaction's clock (ms).
    pub(super) fn now_ms(&self) -> i64 {
        self.now
    }

    /// The position the next appended event will get (membership spans start and end there).
    pub(super) fn next_event_id(&self) -> i64 {
        self.next_event_id
    }
}

impl TxCore for SqliteTx<'_> {
    fn read(&mut self) -> &mut dyn Reader {
        &mut self.db
    }

    fn now(&self) -> i64 {
        self.now
    }

    fn append_event(
        &mut self,
        conversation_id: &ConversationId,
        payload: EventPayload,
        recipients: Vec<UserId>,
    ) -> StoreResult<()> {
        let id = self.next_event_id;
        let event = Event {
            cursor: cursor::encode(id),
            conversation_id: conversation_id.clone(),
            at: time_of(self.now),
            payload,
        };
        let json = serde_json::to_string(&event).map_err(|e| StoreError::Other(e.to_string()))?;
        let conn = self.db.0;
        conn.prepare_cached(
            "INSERT INTO events (id, conversation_id, type, at, json) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut s| {
            s.execute(params![
                id,
                conversation_id.as_str(),
                event.payload.type_name(),
                self.now,
                json
            ])
        })
        .map_err(sql_err)?;
        conn.prepare_cached("UPDATE conversations SET activity = ?1 WHERE id = ?2")
            .and_then(|mut s| s.execute(params![id, conversation_id.as_str()]))
            .map_err(sql_err)?;
        self.next_event_id += 1;
        self.events.push(Published {
            id,
            conversation_id: conversation_id.clone(),
            recipients,
            json: json.into(),
        });
        Ok(())
    }
}

/// A job runs inside the transaction and returns whether it succeeded, plus how to answer
/// its caller once the commit's outcome is known.
type Reply = Box<dyn FnOnce(Option<&StoreError>) + Send>;
type Job = Box<dyn FnOnce(&mut SqliteTx<'_>) -> (bool, Reply) + Send>;

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub fn start(
        conn: Connection,
        sink: Arc<dyn EventSink>,
        metrics: Arc<Metrics>,
    ) -> StoreResult<Self> {
        let next_event_id: i64 = conn
            .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM events", [], |r| {
                r.get(0)
            })
            .map_err(sql_err)?;
        let (tx, rx) = mpsc::channel::<Job>(4 * MAX_BATCH);
        std::thread::Builder::new()
            .name("parley-sqlite-writer".to_owned())
            .spawn(move || run(conn, rx, next_event_id, &*sink, &metrics))
            .map_err(|e| StoreError::Other(e.to_string()))?;
        Ok(Self { jobs: tx })
    }

    /// Queues `f` and returns as soon as it is in line, with a [`Ticket`] that resolves after
    /// the commit. Jobs run in the order they were submitted, so a caller that submits in
    /// sequence and awaits the tickets later (a pipelining socket) keeps its order.
    pub async fn submit<T, F>(&self, f: F) -> StoreResult<Ticket<T>>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Tx) -> StoreResult<T> + Send + 'static,
    {
        let (reply_tx, reply_rx) = oneshot::channel();
        let job: Job = Box::new(move |ctx| {
            let result = f(ctx);
            let ok = result.is_ok();
            let reply: Reply = Box::new(move |commit_error| {
                let outcome = match commit_error {
                    Some(e) => Err(e.clone()),
                    None => result,
                };
                let _ = reply_tx.send(outcome);
            });
            (ok, reply)
        });
        self.jobs.send(job).await.map_err(|_| stopped())?;
        Ok(Ticket::new(reply_rx))
    }
}

fn stopped() -> StoreError {
    StoreError::Other("the database writer has stopped".to_owned())
}

fn run(
    conn: Connection,
    mut rx: mpsc::Receiver<Job>,
    mut next_event_id: i64,
    sink: &dyn EventSink,
    metrics: &Metrics,
) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let started = Instant::now();
        let size = batch.len();
        let (replies, events, commit_error) = commit_batch(&conn, batch, &mut next_event_id);
        if commit_error.is_none() {
            sink.publish(events);
        } else {
            // Nothing of the batch is stored: hand the event ids out again.
            next_event_id = conn
                .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM events", [], |r| {
                    r.get(0)
                })
                .unwrap_or(next_event_id);
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
    let mut replies = Vec::with_capacity(batch.len());
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let error = sql_err(e);
        for job in batch {
            // Answer every caller with the failure without running the job.
            let reply_error = error.clone();
            replies.push(Box::new(move |_: Option<&StoreError>| drop((job, reply_error))) as Reply);
        }
        tracing::error!(error = %error, "could not begin a write transaction");
        return (replies, Vec::new(), Some(error));
    }
    let mut ctx = SqliteTx {
        db: Db(conn),
        now: now_ms(),
        next_event_id: *next_event_id,
        events: Vec::new(),
    };
    for job in batch {
        let events_before = ctx.events.len();
        let id_before = ctx.next_event_id;
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            tracing::error!(error = %e, "savepoint failed");
        }
        let (ok, reply) = job(&mut ctx);
        let undo = if ok {
            "RELEASE job"
        } else {
            "ROLLBACK TO job; RELEASE job"
        };
        if !ok {
            ctx.events.truncate(events_before);
            ctx.next_event_id = id_before;
        }
        if let Err(e) = conn.execute_batch(undo) {
            tracing::error!(error = %e, "savepoint release failed");
        }
        replies.push(reply);
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => {
            *next_event_id = ctx.next_event_id;
            (replies, ctx.events, None)
        }
        Err(e) => {
            let error = sql_err(e);
            tracing::error!(error = %error, "write transaction failed to commit");
            let _ = conn.execute_batch("ROLLBACK");
            (replies, Vec::new(), Some(error))
        }
    }
}
