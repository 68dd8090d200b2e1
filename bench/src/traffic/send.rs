//! A sending socket's write half: pipelined, optionally paced `send` frames.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::SinkExt as _;
use futures_util::stream::SplitSink;
use parley_protocol::{ClientFrame, ConversationId};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use super::ledger::Ledger;
use crate::socket::Ws;

/// Sends fed to the socket before one flush (one write syscall).
const MAX_BATCH: u64 = 64;

pub struct Sender {
    pub ledger: Arc<Ledger>,
    /// One permit per send that may be unacknowledged; the reader returns them.
    pub window: Arc<Semaphore>,
    pub conversation: ConversationId,
    pub members: u32,
    pub count: u64,
    /// Messages/s for this sender; 0 = unpaced.
    pub rate: f64,
    pub body: String,
}

impl Sender {
    /// Sends `count` messages. Pacing: message `i` is due at `t0 + i / rate`; whatever is due
    /// (and fits the window) goes out in one batch, so rates above the timer's 1 ms resolution
    /// still hold on average.
    pub async fn run(self, mut sink: SplitSink<Ws, Message>) {
        let mut sent = 0u64;
        while sent < self.count {
            if self.rate > 0.0 {
                let due = self.due(sent);
                if due > Instant::now() {
                    tokio::time::sleep_until(due.into()).await;
                }
            }
            let Ok(permit) = self.window.acquire().await else {
                return;
            };
            permit.forget();
            let mut batch = 1;
            while batch < MAX_BATCH
                && sent + batch < self.count
                && (self.rate == 0.0 || self.due(sent + batch) <= Instant::now())
                && let Ok(permit) = self.window.try_acquire()
            {
                permit.forget();
                batch += 1;
            }
            for _ in 0..batch {
                if let Err(e) = sink.feed(self.frame()).await {
                    self.ledger.fatal(format!("send failed: {e}"));
                    return;
                }
            }
            if let Err(e) = sink.flush().await {
                self.ledger.fatal(format!("send failed: {e}"));
                return;
            }
            sent += batch;
        }
    }

    fn due(&self, index: u64) -> Instant {
        self.ledger.t0 + Duration::from_secs_f64(index as f64 / self.rate)
    }

    /// A `send` frame with a fresh `client_id`, its timestamp recorded just before it leaves.
    fn frame(&self) -> Message {
        let client_id = Uuid::new_v4();
        let frame = ClientFrame::Send {
            conversation_id: self.conversation.clone(),
            client_id,
            body: self.body.clone(),
            reply_to: None,
            attachment_ids: Vec::new(),
        };
        let text = serde_json::to_string(&frame).unwrap_or_default();
        self.ledger.sending(client_id, self.members + 1);
        Message::text(text)
    }
}
