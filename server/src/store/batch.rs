//! Write jobs and group commit, shared by the backends' writers: callers queue jobs; a
//! writer takes whatever has queued up (a batch), runs each job in its own savepoint inside
//! one transaction, commits once, and only then answers every caller.
//!
//! Why: a durable commit costs an fsync; one per batch of a few hundred jobs instead of one
//! per job is what makes ingest fast. A failing job (a duplicate, a rule refused) is rolled
//! back alone; the rest of its batch stands.

use std::sync::Arc;

use parley_protocol::{ConversationId, Event, EventPayload, Message, UserId};
use tokio::sync::{mpsc, oneshot};

use super::{
    Published, StoreError, StoreResult, Ticket, cursor,
    persist::Tx,
    rules::messages::{SendRequest, send_many},
};
use crate::clock::time_of;

/// Most jobs in one transaction: bounds the latency one batch adds to the jobs behind it.
pub const MAX_BATCH: usize = 1024;

/// How to answer a job's caller once the commit's outcome is known.
pub type Reply = Box<dyn FnOnce(Option<&StoreError>) + Send>;
/// A job that runs inside the transaction and says whether it succeeded, plus how to answer.
pub type Work = Box<dyn FnOnce(&mut dyn Tx) -> (bool, Reply) + Send>;

/// Where a send's outcome goes.
pub type SendReply = oneshot::Sender<StoreResult<(Message, bool)>>;

/// A queued write.
pub enum Job {
    Run(Work),
    /// A message to send: consecutive sends in a batch run together
    /// (`rules::messages::send_many`), a few statements for the lot.
    Send(SendRequest, SendReply),
}

/// The reply that hands `result` to its caller, or the commit's error if COMMIT failed.
fn answer<T: Send + 'static>(result: StoreResult<T>, to: oneshot::Sender<StoreResult<T>>) -> Reply {
    Box::new(move |commit_error| {
        let outcome = match commit_error {
            Some(e) => Err(e.clone()),
            None => result,
        };
        let _ = to.send(outcome);
    })
}

/// The queueing end of a writer.
#[derive(Clone)]
pub struct JobQueue {
    jobs: mpsc::Sender<Job>,
}

impl JobQueue {
    pub fn new() -> (Self, mpsc::Receiver<Job>) {
        let (jobs, rx) = mpsc::channel(4 * MAX_BATCH);
        (Self { jobs }, rx)
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
        let work: Work = Box::new(move |tx| {
            let result = f(tx);
            (result.is_ok(), answer(result, reply_tx))
        });
        self.enqueue(Job::Run(work)).await?;
        Ok(Ticket::new(reply_rx))
    }

    /// Queues a message to send, like [`submit`](Self::submit).
    pub async fn submit_send(&self, request: SendRequest) -> StoreResult<Ticket<(Message, bool)>> {
        let (reply_tx, reply_rx) = oneshot::channel();
        self.enqueue(Job::Send(request, reply_tx)).await?;
        Ok(Ticket::new(reply_rx))
    }

    async fn enqueue(&self, job: Job) -> StoreResult<()> {
        self.jobs.send(job).await.map_err(|_| stopped())
    }
}

fn stopped() -> StoreError {
    StoreError::Other("the database writer has stopped".to_owned())
}

/// Waits for the next job, then takes whatever else is queued (up to [`MAX_BATCH`]); `None`
/// once every queue handle is gone.
pub fn next_batch(rx: &mut mpsc::Receiver<Job>) -> Option<Vec<Job>> {
    let first = rx.blocking_recv()?;
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// Replies that answer every job of a batch that could not start, without running them.
pub fn unstarted(batch: Vec<Job>) -> Vec<Reply> {
    batch
        .into_iter()
        .map(|job| Box::new(move |_: Option<&StoreError>| drop(job)) as Reply)
        .collect()
}

/// A transaction that can run jobs each in a savepoint.
pub trait Savepoints: Tx {
    fn savepoint(&mut self) -> StoreResult<()>;
    /// Releases the savepoint; a failed job's changes (and the events it appended) are
    /// rolled back first.
    fn release(&mut self, ok: bool) -> StoreResult<()>;
}

/// Runs the jobs in the open transaction, each in its own savepoint (a run of consecutive
/// sends in one); returns their replies.
pub fn run_jobs(tx: &mut dyn Savepoints, batch: Vec<Job>) -> Vec<Reply> {
    let mut replies = Vec::with_capacity(batch.len());
    let mut jobs = batch.into_iter().peekable();
    while let Some(job) = jobs.next() {
        match job {
            Job::Run(work) => {
                savepoint(tx);
                let (ok, reply) = work(tx);
                release(tx, ok);
                replies.push(reply);
            }
            Job::Send(request, to) => {
                let mut run = vec![(request, to)];
                while let Some(Job::Send(..)) = jobs.peek() {
                    let Some(Job::Send(request, to)) = jobs.next() else {
                        unreachable!("peeked a send")
                    };
                    run.push((request, to));
                }
                replies.extend(run_sends(tx, run));
            }
        }
    }
    replies
}

/// A run of sends in one savepoint; should the run fail as a whole (a storage error), it is
/// undone and each send runs alone, so that one bad send can't take the others with it.
fn run_sends(tx: &mut dyn Savepoints, run: Vec<(SendRequest, SendReply)>) -> Vec<Reply> {
    let (requests, answers): (Vec<_>, Vec<_>) = run.into_iter().unzip();
    savepoint(tx);
    match send_many(tx, &requests) {
        Ok(results) => {
            release(tx, true);
            results
                .into_iter()
                .zip(answers)
                .map(|(r, to)| answer(r, to))
                .collect()
        }
        Err(error) => {
            tracing::warn!(%error, sends = requests.len(), "a run of sends failed; sending one by one");
            release(tx, false);
            requests
                .iter()
                .zip(answers)
                .map(|(request, to)| {
                    savepoint(tx);
                    let result = send_many(tx, std::slice::from_ref(request))
                        .and_then(|mut one| one.pop().expect("one result per request"));
                    release(tx, result.is_ok());
                    answer(result, to)
                })
                .collect()
        }
    }
}

fn savepoint(tx: &mut dyn Savepoints) {
    if let Err(e) = tx.savepoint() {
        tracing::error!(error = %e, "savepoint failed");
    }
}

fn release(tx: &mut dyn Savepoints, ok: bool) {
    if let Err(e) = tx.release(ok) {
        tracing::error!(error = %e, "savepoint release failed");
    }
}

/// The events a batch appends: their positions (handed out in order from the first free
/// one), their JSON as clients receive it, and what to publish after COMMIT. A job that fails
/// takes its events back.
pub struct EventLog {
    next_id: i64,
    events: Vec<Published>,
    /// Where the current job started: events queued and the next id.
    mark: (usize, i64),
}

/// One appended event, for the backend to store.
pub struct Appended {
    pub id: i64,
    pub type_name: &'static str,
    pub json: Arc<str>,
}

impl EventLog {
    pub fn starting_at(next_id: i64) -> Self {
        Self {
            next_id,
            events: Vec::new(),
            mark: (0, next_id),
        }
    }

    /// The position the next appended event will get.
    pub fn next_id(&self) -> i64 {
        self.next_id
    }

    /// Numbers and serializes an event (its cursor is its position) and queues it for
    /// publishing.
    pub fn append(
        &mut self,
        conversation_id: &ConversationId,
        at_ms: i64,
        payload: EventPayload,
        recipients: Vec<UserId>,
    ) -> StoreResult<Appended> {
        let id = self.next_id;
        let type_name = payload.type_name();
        let event = Event {
            cursor: cursor::encode(id),
            conversation_id: conversation_id.clone(),
            at: time_of(at_ms),
            payload,
        };
        let json: Arc<str> = serde_json::to_string(&event)
            .map_err(|e| StoreError::Other(e.to_string()))?
            .into();
        self.next_id += 1;
        self.events.push(Published {
            id,
            conversation_id: conversation_id.clone(),
            recipients,
            json: json.clone(),
        });
        Ok(Appended {
            id,
            type_name,
            json,
        })
    }

    /// A job starts.
    pub fn mark(&mut self) {
        self.mark = (self.events.len(), self.next_id);
    }

    /// The job failed: its events are taken back.
    pub fn undo(&mut self) {
        self.events.truncate(self.mark.0);
        self.next_id = self.mark.1;
    }

    /// What to publish once the batch has committed.
    pub fn into_published(self) -> Vec<Published> {
        self.events
    }
}
