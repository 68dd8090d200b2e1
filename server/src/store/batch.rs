//! Write jobs and group commit, shared by the backends' writers: callers queue jobs; a
//! writer takes whatever has queued up (a batch), runs each job in its own savepoint inside
//! one transaction, commits once, and only then answers every caller.
//!
//! Why: a durable commit costs an fsync; one per batch of a few hundred jobs instead of one
//! per job is what makes ingest fast. A failing job (a duplicate, a rule refused) is rolled
//! back alone; the rest of its batch stands.

use tokio::sync::{mpsc, oneshot};

use super::{StoreError, StoreResult, Ticket, persist::Tx};

/// Most jobs in one transaction: bounds the latency one batch adds to the jobs behind it.
pub const MAX_BATCH: usize = 1024;

/// How to answer a job's caller once the commit's outcome is known.
pub type Reply = Box<dyn FnOnce(Option<&StoreError>) + Send>;
/// A job runs inside the transaction and says whether it succeeded, plus how to answer.
pub type Job = Box<dyn FnOnce(&mut dyn Tx) -> (bool, Reply) + Send>;

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
        let job: Job = Box::new(move |tx| {
            let result = f(tx);
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

/// Runs the jobs in the open transaction, each in its own savepoint; returns their replies.
pub fn run_jobs(tx: &mut dyn Savepoints, batch: Vec<Job>) -> Vec<Reply> {
    let mut replies = Vec::with_capacity(batch.len());
    for job in batch {
        if let Err(e) = tx.savepoint() {
            tracing::error!(error = %e, "savepoint failed");
        }
        let (ok, reply) = job(tx);
        if let Err(e) = tx.release(ok) {
            tracing::error!(error = %e, "savepoint release failed");
        }
        replies.push(reply);
    }
    replies
}
