//! A socket's read half: counts acks and `message.created` deliveries and collects latencies.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use futures_util::StreamExt as _;
use futures_util::stream::SplitStream;
use tokio::sync::{Semaphore, watch};
use tokio_tungstenite::tungstenite::Message;

use super::ledger::Ledger;
use crate::socket::{self, Incoming, Ws};

/// Latencies one socket saw, in µs.
#[derive(Default)]
pub struct Samples {
    pub delivery: Vec<u32>,
    pub ack: Vec<u32>,
}

pub struct Reader {
    pub index: usize,
    pub ledger: Arc<Ledger>,
    /// The sender's window on a sending socket: an ack or error frees a slot.
    pub window: Option<Arc<Semaphore>>,
    /// Parse frames as `ServerFrame` (see `socket::classify`).
    pub strict: bool,
}

impl Reader {
    /// Reads until `stop` changes; a socket that dies first is fatal to the run.
    pub async fn run(
        self,
        mut stream: SplitStream<Ws>,
        mut stop: watch::Receiver<bool>,
    ) -> Samples {
        let mut samples = Samples::default();
        loop {
            let message = tokio::select! {
                _ = stop.changed() => return samples,
                message = stream.next() => message,
            };
            let text = match message {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(Message::Close(frame))) => {
                    self.died(&format!(
                        "closed by the server: {}",
                        socket::describe_close(frame)
                    ));
                    return samples;
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    self.died(&e.to_string());
                    return samples;
                }
                None => {
                    self.died("ended");
                    return samples;
                }
            };
            let now = Instant::now();
            match socket::classify(&text, self.strict) {
                Ok(incoming) => self.record(incoming, now, &mut samples),
                Err(e) => {
                    self.died(&format!("{e:#}"));
                    return samples;
                }
            }
        }
    }

    fn record(&self, incoming: Incoming, now: Instant, samples: &mut Samples) {
        match incoming {
            Incoming::Delivery(id) => {
                self.ledger.delivery(now);
                samples.delivery.extend(self.ledger.arrived(&id, now));
            }
            Incoming::Ack(id) => {
                self.ledger.ack(now);
                samples.ack.extend(self.ledger.arrived(&id, now));
                self.free_slot();
            }
            Incoming::Failed(id, error) => {
                if id.is_some() {
                    self.ledger.counters.failures.fetch_add(1, Relaxed);
                    self.free_slot();
                }
                let socket = self.index;
                self.ledger.failure(format!(
                    "socket {socket}: error frame {} ({})",
                    error.code, error.message
                ));
            }
            Incoming::Resync => {
                self.ledger.counters.resyncs.fetch_add(1, Relaxed);
            }
            Incoming::Other => {}
        }
    }

    fn free_slot(&self) {
        if let Some(window) = &self.window {
            window.add_permits(1);
        }
    }

    fn died(&self, why: &str) {
        self.ledger.fatal(format!("socket {}: {why}", self.index));
    }
}
