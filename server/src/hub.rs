//! The realtime hub: who is connected, and fan-out of committed events to their sockets.
//!
//! Each socket has a bounded queue. An event is serialized once (by the store) and wrapped
//! into a frame once here; every recipient's queue gets the same `Arc<str>`. A socket whose
//! queue is full is marked lagging: it stops receiving events and is told to `resync`
//! (page `/sync`), rather than being silently skipped or blocking everyone else.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use parley_protocol::{ConversationId, ServerFrame, SessionId, UserId};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

use crate::store::{EventSink, Published, cursor};

/// A frame on its way to one socket; `cursor` is 0 for frames outside the event log.
#[derive(Clone, Debug)]
pub struct Outbound {
    pub cursor: i64,
    pub frame: Arc<str>,
}

/// The hub's handle on one socket.
pub struct Subscriber {
    id: u64,
    user_id: UserId,
    session_id: SessionId,
    queue: mpsc::Sender<Outbound>,
    lagged: AtomicBool,
    /// Wakes the socket's writer when it fell behind.
    pub lag: Notify,
    /// Cancelled when the socket must close (session revoked); the reason is kept.
    pub close: CancellationToken,
    close_reason: Mutex<Option<String>>,
}

impl Subscriber {
    fn offer(&self, item: Outbound) {
        if self.lagged.load(Ordering::Acquire) {
            return;
        }
        if let Err(mpsc::error::TrySendError::Full(_)) = self.queue.try_send(item) {
            self.lagged.store(true, Ordering::Release);
            self.lag.notify_one();
        }
    }

    /// True once: the writer then drops what is queued and sends `resync`.
    pub fn take_lagged(&self) -> bool {
        self.lagged.swap(false, Ordering::AcqRel)
    }

    /// Asks the socket to close with 4001 and `reason`.
    pub fn close_with(&self, reason: &str) {
        if let Ok(mut r) = self.close_reason.lock() {
            *r = Some(reason.to_owned());
        }
        self.close.cancel();
    }

    pub fn close_reason(&self) -> String {
        self.close_reason
            .lock()
            .ok()
            .and_then(|r| r.clone())
            .unwrap_or_else(|| "session revoked".to_owned())
    }
}

#[derive(Default)]
pub struct Hub {
    sockets: RwLock<HashMap<UserId, Vec<Arc<Subscriber>>>>,
    next_id: AtomicU64,
}

impl Hub {
    /// Registers a socket; returns its handle and the receiving end of its queue.
    pub fn subscribe(
        &self,
        user_id: UserId,
        session_id: SessionId,
        capacity: usize,
    ) -> (Arc<Subscriber>, mpsc::Receiver<Outbound>) {
        let (tx, rx) = mpsc::channel(capacity);
        let subscriber = Arc::new(Subscriber {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            user_id: user_id.clone(),
            session_id,
            queue: tx,
            lagged: AtomicBool::new(false),
            lag: Notify::new(),
            close: CancellationToken::new(),
            close_reason: Mutex::new(None),
        });
        if let Ok(mut map) = self.sockets.write() {
            map.entry(user_id).or_default().push(subscriber.clone());
        }
        (subscriber, rx)
    }

    pub fn unsubscribe(&self, subscriber: &Subscriber) {
        if let Ok(mut map) = self.sockets.write()
            && let Some(list) = map.get_mut(&subscriber.user_id)
        {
            list.retain(|s| s.id != subscriber.id);
            if list.is_empty() {
                map.remove(&subscriber.user_id);
            }
        }
    }

    /// Closes every socket of a revoked session.
    pub fn close_session(&self, session_id: &SessionId, reason: &str) {
        let Ok(map) = self.sockets.read() else { return };
        for subscriber in map
            .values()
            .flatten()
            .filter(|s| &s.session_id == session_id)
        {
            subscriber.close_with(reason);
        }
    }

    /// Relays a typing notice to the other members' sockets (ephemeral: no cursor, no log).
    pub fn typing(&self, conversation_id: &ConversationId, from: &UserId, members: &[UserId]) {
        let frame = ServerFrame::Typing {
            conversation_id: conversation_id.clone(),
            user_id: from.clone(),
        };
        self.send_to(members.iter().filter(|m| *m != from), &frame);
    }

    /// Offers an ephemeral frame (no cursor, no log) to every socket of these users.
    pub fn send_to<'a>(&self, users: impl Iterator<Item = &'a UserId>, frame: &ServerFrame) {
        let Ok(json) = serde_json::to_string(frame) else {
            return;
        };
        let item = Outbound {
            cursor: 0,
            frame: json.into(),
        };
        let Ok(map) = self.sockets.read() else { return };
        for user in users {
            for subscriber in map.get(user).into_iter().flatten() {
                subscriber.offer(item.clone());
            }
        }
    }
}

/// The WebSocket frame for a stored event: `{"type":"event","cursor":…,"event":…}`, spliced
/// around the event's JSON as stored (it is serialized once, by the store).
pub fn event_frame(id: i64, event_json: &str) -> String {
    format!(
        r#"{{"type":"event","cursor":"{}","event":{}}}"#,
        cursor::encode(id),
        event_json
    )
}

impl EventSink for Hub {
    fn publish(&self, events: Vec<Published>) {
        let Ok(map) = self.sockets.read() else { return };
        for event in events {
            let frame: Arc<str> = event_frame(event.id, &event.json).into();
            let item = Outbound {
                cursor: event.id,
                frame,
            };
            for user in &event.recipients {
                for subscriber in map.get(user).into_iter().flatten() {
                    subscriber.offer(item.clone());
                }
            }
        }
    }
}
