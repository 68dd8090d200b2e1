//! The record shared by every socket of a run: send timestamps keyed by `client_id`, counters,
//! and the first failure seen.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use uuid::Uuid;

struct Pending {
    sent: Instant,
    /// The ack plus one delivery per member still to come.
    remaining: u32,
}

#[derive(Default)]
pub struct Counters {
    pub acks: AtomicU64,
    pub failures: AtomicU64,
    pub deliveries: AtomicU64,
    pub resyncs: AtomicU64,
    /// µs after `t0` of the last ack / delivery seen.
    pub last_ack_us: AtomicU64,
    pub last_delivery_us: AtomicU64,
}

pub struct Ledger {
    /// When sending started.
    pub t0: Instant,
    pub counters: Counters,
    pending: Mutex<HashMap<Uuid, Pending>>,
    first_failure: Mutex<Option<String>>,
    /// A socket died: the run cannot finish.
    fatal: Mutex<Option<String>>,
}

impl Ledger {
    pub fn new(capacity: usize) -> Self {
        Self {
            t0: Instant::now(),
            counters: Counters::default(),
            pending: Mutex::new(HashMap::with_capacity(capacity)),
            first_failure: Mutex::new(None),
            fatal: Mutex::new(None),
        }
    }

    /// Records a send about to leave; `answers` = the ack plus one delivery per member.
    pub fn sending(&self, id: Uuid, answers: u32) {
        let pending = Pending {
            sent: Instant::now(),
            remaining: answers,
        };
        lock(&self.pending).insert(id, pending);
    }

    /// An ack or delivery of `id` arrived at `now`: its latency in µs, or `None` for a message
    /// this run did not send. The entry goes once every expected answer is in.
    pub fn arrived(&self, id: &Uuid, now: Instant) -> Option<u32> {
        let mut pending = lock(&self.pending);
        let entry = pending.get_mut(id)?;
        let us = u32::try_from(now.duration_since(entry.sent).as_micros()).unwrap_or(u32::MAX);
        entry.remaining = entry.remaining.saturating_sub(1);
        if entry.remaining == 0 {
            pending.remove(id);
        }
        Some(us)
    }

    pub fn since_t0_us(&self, now: Instant) -> u64 {
        u64::try_from(now.duration_since(self.t0).as_micros()).unwrap_or(u64::MAX)
    }

    pub fn ack(&self, now: Instant) {
        self.counters.acks.fetch_add(1, Relaxed);
        self.counters
            .last_ack_us
            .fetch_max(self.since_t0_us(now), Relaxed);
    }

    pub fn delivery(&self, now: Instant) {
        self.counters.deliveries.fetch_add(1, Relaxed);
        self.counters
            .last_delivery_us
            .fetch_max(self.since_t0_us(now), Relaxed);
    }

    /// Keeps the first failure for the report.
    pub fn failure(&self, what: String) {
        lock(&self.first_failure).get_or_insert(what);
    }

    pub fn take_failure(&self) -> Option<String> {
        lock(&self.first_failure).take()
    }

    /// Something that ends the run with an error.
    pub fn fatal(&self, what: String) {
        lock(&self.fatal).get_or_insert(what);
    }

    pub fn fatal_error(&self) -> Option<String> {
        lock(&self.fatal).clone()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_lives_until_every_answer_is_in() {
        let ledger = Ledger::new(1);
        let id = Uuid::new_v4();
        ledger.sending(id, 2);
        let now = Instant::now();
        assert!(ledger.arrived(&id, now).is_some(), "the ack finds the send");
        assert!(
            ledger.arrived(&id, now).is_some(),
            "the delivery finds it too"
        );
        assert!(ledger.arrived(&id, now).is_none(), "then it is gone");
    }
}
