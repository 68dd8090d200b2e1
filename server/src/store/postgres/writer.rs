//! The instance's writer: one thread, one connection, group commit (`store::batch`), each
//! batch under the cluster-wide sequencer lock so that event ids follow commit order across
//! instances (see the module above).

use std::{sync::Arc, time::Instant};

use parley_protocol::Message;
use tokio::sync::mpsc;

use super::{PgConn, PgDb, SEQUENCER_LOCK};
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

/// The open transaction as write jobs see it.
pub struct PgTx<'c> {
    pub(super) db: PgDb<'c>,
    now: i64,
    log: EventLog,
    /// A savepoint could not be taken or given back: the transaction may be aborted, and
    /// PostgreSQL would turn its COMMIT into a silent rollback, so the batch fails instead.
    broken: bool,
    /// The last job succeeded and its savepoint is still to be released: that is sent with
    /// the next job's savepoint (or dropped by COMMIT), one round trip instead of two.
    release_pending: bool,
}

impl PgTx<'_> {
    pub(super) fn conn(&mut self) -> &mut PgConn {
        self.db.0
    }

    /// The position the next appended event will get (membership spans start and end there).
    pub(super) fn next_event_id(&self) -> i64 {
        self.log.next_id()
    }
}

impl TxCore for PgTx<'_> {
    fn read(&mut self) -> &mut dyn Reader {
        &mut self.db
    }

    fn now(&self) -> i64 {
        self.now
    }

    fn append_events(&mut self, events: Vec<NewEvent>) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let now = self.now;
        let (mut ids, mut conversations, mut types, mut json, mut for_users) = (
            Vec::with_capacity(events.len()),
            Vec::with_capacity(events.len()),
            Vec::with_capacity(events.len()),
            Vec::with_capacity(events.len()),
            Vec::with_capacity(events.len()),
        );
        for e in events {
            let appended = self
                .log
                .append(&e.conversation, now, e.payload, e.recipients)?;
            ids.push(appended.id);
            conversations.push(e.conversation.as_str().to_owned());
            types.push(appended.type_name);
            json.push(appended.json);
            for_users.push(e.for_user.map(|u| u.as_str().to_owned()));
        }
        let json: Vec<&str> = json.iter().map(|j| &**j).collect();
        // One statement: the events, and each conversation's newest activity (shared events
        // only: someone's own settings don't move a conversation up the others' lists).
        self.conn().execute(
            "WITH appended AS (
                 INSERT INTO events (id, conversation_id, type, at, json, for_user)
                 SELECT id, c, t, $4::bigint, j, u
                 FROM UNNEST($1::bigint[], $2::text[], $3::text[], $5::text[], $6::text[]) AS e(id, c, t, j, u)
             )
             UPDATE conversations SET activity = newest.id
             FROM (SELECT c, MAX(id) AS id FROM UNNEST($1::bigint[], $2::text[], $6::text[]) AS e(id, c, u)
                   WHERE u IS NULL GROUP BY c) AS newest
             WHERE conversations.id = newest.c",
            &[&ids, &conversations, &types, &now, &json, &for_users],
        )?;
        Ok(())
    }
}

impl Savepoints for PgTx<'_> {
    fn savepoint(&mut self) -> StoreResult<()> {
        self.log.mark();
        let sql = if std::mem::take(&mut self.release_pending) {
            "RELEASE SAVEPOINT job; SAVEPOINT job"
        } else {
            "SAVEPOINT job"
        };
        let taken = self.conn().batch(sql);
        self.broken |= taken.is_err();
        taken
    }

    fn release(&mut self, ok: bool) -> StoreResult<()> {
        if ok {
            self.release_pending = true;
            return Ok(());
        }
        self.log.undo();
        let released = self
            .conn()
            .batch("ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job");
        self.broken |= released.is_err();
        released
    }
}

#[derive(Clone)]
pub struct Writer {
    jobs: JobQueue,
}

impl Writer {
    /// Connects and starts the writer thread.
    pub fn start(
        config: postgres::Config,
        sink: Arc<dyn EventSink>,
        metrics: Arc<Metrics>,
    ) -> StoreResult<Self> {
        let conn = PgConn::connect(&config)?;
        let (jobs, rx) = JobQueue::new();
        std::thread::Builder::new()
            .name("parley-pg-writer".to_owned())
            .spawn(move || run(config, conn, rx, &*sink, &metrics))
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

fn run(
    config: postgres::Config,
    mut conn: PgConn,
    mut rx: mpsc::Receiver<Job>,
    sink: &dyn EventSink,
    metrics: &Metrics,
) {
    while let Some(batch) = batch::next_batch(&mut rx) {
        if conn.is_closed() {
            match PgConn::connect(&config) {
                Ok(fresh) => conn = fresh,
                Err(error) => {
                    tracing::error!(%error, "cannot reconnect to the database");
                    for reply in batch::unstarted(batch) {
                        reply(Some(&error));
                    }
                    continue;
                }
            }
        }
        let started = Instant::now();
        let size = batch.len();
        let (replies, events, commit_error) = commit_batch(&mut conn, batch);
        if commit_error.is_none() {
            sink.publish(events);
        }
        for reply in replies {
            reply(commit_error.as_ref());
        }
        metrics.observe_write_batch(size, started.elapsed());
    }
    tracing::debug!("database writer stopped");
}

/// Takes the sequencer, then runs the jobs in one transaction. Returns their replies, the
/// events to publish, and the error if the transaction as a whole failed.
fn commit_batch(
    conn: &mut PgConn,
    batch: Vec<Job>,
) -> (Vec<Reply>, Vec<Published>, Option<StoreError>) {
    let next_event_id = conn.batch("BEGIN").and_then(|()| {
        conn.execute("SELECT pg_advisory_xact_lock($1)", &[&SEQUENCER_LOCK])?;
        let row = conn.query_one("SELECT COALESCE(MAX(id), 0) + 1 FROM events", &[])?;
        Ok(row.get::<_, i64>(0))
    });
    let next_event_id = match next_event_id {
        Ok(id) => id,
        Err(error) => {
            tracing::error!(%error, "could not begin a write transaction");
            let _ = conn.batch("ROLLBACK");
            return (batch::unstarted(batch), Vec::new(), Some(error));
        }
    };
    let mut tx = PgTx {
        db: PgDb(conn),
        now: now_ms(),
        log: EventLog::starting_at(next_event_id),
        broken: false,
        release_pending: false,
    };
    let replies = batch::run_jobs(&mut tx, batch);
    let (events, broken) = (tx.log.into_published(), tx.broken);
    if broken {
        let _ = conn.batch("ROLLBACK");
        let error = StoreError::Other("a write job left its transaction unusable".to_owned());
        tracing::error!(%error, "write batch rolled back");
        return (replies, Vec::new(), Some(error));
    }
    match conn.batch("COMMIT") {
        Ok(()) => (replies, events, None),
        Err(error) => {
            tracing::error!(%error, "write transaction failed to commit");
            let _ = conn.batch("ROLLBACK");
            (replies, Vec::new(), Some(error))
        }
    }
}
