//! Realtime across instances (PRODUCT.md §3, "Running several instances"): the broker (NATS)
//! rings the bell, the database is the truth.
//!
//! One instance alone hands its commits straight to its [`Hub`]. With `nats_url` set, every
//! instance runs a delivery task instead, which delivers the event log to its own sockets
//! strictly in cursor order:
//! - its own commits arrive from its writer (with their recipients) and are delivered at
//!   once when they are next in line; after each commit it publishes a small notice
//!   (`parley.events`: its newest event id) so the others know there is more;
//! - when a notice (or its own commit) shows events it hasn't delivered, it reads them back
//!   from the database (`Store::events_after`, recipients from the membership spans) and
//!   delivers them in order: a lost notice, a broker restart or outage only delays delivery;
//! - every second it also asks the database for the newest event id, so nothing waits longer
//!   than about a second for a notice that never comes (broker down, message lost,
//!   reconnects).
//!
//! Ephemeral frames cross instances on the broker alone (they have no log): typing
//! (`parley.typing`), revocations (`parley.revoked`, which the database poll in
//! `housekeeping` also catches within a second) and presence (`parley.presence`: a user's
//! first socket opened or last one closed on an instance, a user showed or hid their
//! presence, and every [`HEARTBEAT`] the users each instance holds — see `presence`).

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use futures_util::StreamExt;
use parley_protocol::{ConversationId, ServerFrame, SessionId, UserId};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::{
    clock::now_ms,
    hub::Hub,
    metrics::Metrics,
    presence::{INSTANCE_TIMEOUT, Presence},
    store::{EventSink, Published, Store},
};

const EVENTS: &str = "parley.events";
const TYPING: &str = "parley.typing";
const REVOKED: &str = "parley.revoked";
const PRESENCE: &str = "parley.presence";
/// How often an instance says which users it holds.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// Users per heartbeat message (keeps each well under the broker's payload limit).
const HEARTBEAT_CHUNK: usize = 1000;
/// How often the database is asked for the newest event id.
const POLL: Duration = Duration::from_secs(1);
/// Events read back from the database per query.
const CATCH_UP_PAGE: i64 = 1000;

/// What crosses the broker.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Notice {
    /// An instance committed events up to `last`.
    Events { origin: u64, last: i64 },
    Typing {
        origin: u64,
        conversation_id: ConversationId,
        user_id: UserId,
        members: Vec<UserId>,
    },
    Revoked {
        origin: u64,
        session_id: SessionId,
        reason: String,
    },
    /// `user`'s first socket opened (`up`) or last one closed on instance `origin`.
    Sockets {
        origin: u64,
        user_id: UserId,
        up: bool,
    },
    /// `user` showed or hid their presence: announce it as it is now.
    Shown { origin: u64, user_id: UserId },
    /// `user` has new contacts: announce them if they are online.
    Introduce { origin: u64, user_id: UserId },
    /// Instance `origin` is alive and holds these users' sockets.
    Holding { origin: u64, users: Vec<UserId> },
}

/// This instance's link to the others.
pub struct Relay {
    hub: Arc<Hub>,
    broker: Option<Broker>,
    presence: Presence,
}

struct Broker {
    client: async_nats::Client,
    /// Tells this instance's notices from the others'.
    origin: u64,
    connected: Arc<AtomicBool>,
}

/// How the store hands over commits: straight to the hub, or to the delivery task.
pub enum Sink {
    Direct(Arc<Hub>),
    Relayed(mpsc::UnboundedSender<Vec<Published>>),
}

impl EventSink for Sink {
    fn publish(&self, events: Vec<Published>) {
        match self {
            Self::Direct(hub) => hub.publish(events),
            Self::Relayed(to_delivery) => {
                let _ = to_delivery.send(events);
            }
        }
    }
}

/// The delivery task's inputs, until it is started.
pub struct Pending {
    commits: mpsc::UnboundedReceiver<Vec<Published>>,
}

impl Relay {
    /// Connects to the broker if one is configured (in the background: the server starts,
    /// and delivers from the database, while the broker is unreachable). Returns the relay,
    /// the sink the store publishes its commits to, and what [`Relay::start`] needs.
    pub async fn connect(
        nats_url: &str,
        hub: Arc<Hub>,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<(Arc<Self>, Arc<Sink>, Option<Pending>)> {
        if nats_url.is_empty() {
            let relay = Arc::new(Self {
                hub: hub.clone(),
                broker: None,
                presence: Presence::default(),
            });
            return Ok((relay, Arc::new(Sink::Direct(hub)), None));
        }
        let connected = Arc::new(AtomicBool::new(false));
        let flag = connected.clone();
        let client = async_nats::ConnectOptions::new()
            .name("parley-server")
            .retry_on_initial_connect()
            .event_callback(move |event| {
                let (flag, metrics) = (flag.clone(), metrics.clone());
                async move {
                    let up = match event {
                        async_nats::Event::Connected => true,
                        async_nats::Event::Disconnected => false,
                        other => {
                            tracing::debug!(event = ?other, "broker");
                            return;
                        }
                    };
                    tracing::info!(connected = up, "broker connection");
                    flag.store(up, Ordering::Release);
                    metrics.broker_connected.set(i64::from(up));
                }
            })
            .connect(nats_url)
            .await
            .map_err(|e| anyhow::anyhow!("nats_url: {e}"))?;
        let (to_delivery, commits) = mpsc::unbounded_channel();
        let relay = Arc::new(Self {
            hub,
            presence: Presence::default(),
            broker: Some(Broker {
                client,
                origin: rand::random(),
                connected,
            }),
        });
        Ok((
            relay,
            Arc::new(Sink::Relayed(to_delivery)),
            Some(Pending { commits }),
        ))
    }

    /// Starts the delivery and broker tasks; they end with `shutdown`.
    pub async fn start(
        self: &Arc<Self>,
        pending: Pending,
        store: Arc<dyn Store>,
        metrics: Arc<Metrics>,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        let Some(broker) = &self.broker else {
            return Ok(());
        };
        let (to_delivery, notices) = mpsc::unbounded_channel();
        let mut subscription = broker
            .client
            .subscribe(format!("{EVENTS}.>"))
            .await
            .map_err(|e| anyhow::anyhow!("cannot subscribe to the broker: {e}"))?;
        let mut ephemeral = broker
            .client
            .subscribe(format!("{TYPING}.>"))
            .await
            .map_err(|e| anyhow::anyhow!("cannot subscribe to the broker: {e}"))?;
        let mut revoked = broker
            .client
            .subscribe(REVOKED)
            .await
            .map_err(|e| anyhow::anyhow!("cannot subscribe to the broker: {e}"))?;
        let mut presence = broker
            .client
            .subscribe(PRESENCE)
            .await
            .map_err(|e| anyhow::anyhow!("cannot subscribe to the broker: {e}"))?;
        let relay = self.clone();
        let stop = shutdown.clone();
        let notices_store = store.clone();
        tokio::spawn(async move {
            loop {
                let message = tokio::select! {
                    Some(m) = subscription.next() => m,
                    Some(m) = ephemeral.next() => m,
                    Some(m) = revoked.next() => m,
                    Some(m) = presence.next() => m,
                    () = stop.cancelled() => return,
                    else => return,
                };
                relay
                    .received(&message.payload, &to_delivery, &*notices_store)
                    .await;
            }
        });
        let relay = self.clone();
        let stop = shutdown.clone();
        let heartbeat_store = store.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEARTBEAT);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => relay.heartbeat(&*heartbeat_store).await,
                    () = stop.cancelled() => return,
                }
            }
        });
        let relay = self.clone();
        let first = store.latest_event_id().await.unwrap_or(0);
        tokio::spawn(async move {
            Delivery {
                relay,
                store,
                metrics,
                delivered: first,
                target: first,
                waiting: BTreeMap::new(),
            }
            .run(pending.commits, notices, shutdown)
            .await;
        });
        Ok(())
    }

    /// `"ok"`, `"down"` or `"not_configured"`, for `/healthz`.
    pub fn broker_state(&self) -> &'static str {
        match &self.broker {
            None => "not_configured",
            Some(b) if b.connected.load(Ordering::Acquire) => "ok",
            Some(_) => "down",
        }
    }

    /// Relays a typing notice to the members' sockets here and on every other instance.
    pub async fn typing(
        &self,
        conversation_id: &ConversationId,
        from: &UserId,
        members: &[UserId],
    ) {
        self.hub.typing(conversation_id, from, members);
        if let Some(b) = &self.broker {
            let notice = Notice::Typing {
                origin: b.origin,
                conversation_id: conversation_id.clone(),
                user_id: from.clone(),
                members: members.to_vec(),
            };
            b.send(format!("{TYPING}.{conversation_id}"), &notice).await;
        }
    }

    /// Closes every socket of a revoked session, here and on every other instance.
    pub async fn close_session(&self, session_id: &SessionId, reason: &str) {
        self.hub.close_session(session_id, reason);
        if let Some(b) = &self.broker {
            let notice = Notice::Revoked {
                origin: b.origin,
                session_id: session_id.clone(),
                reason: reason.to_owned(),
            };
            b.send(REVOKED.to_owned(), &notice).await;
        }
    }

    /// A socket of `user` opened here: if that brought them online, their contacts hear of
    /// it (here and, through the broker, everywhere).
    pub async fn socket_opened(&self, store: &dyn Store, user: &UserId) {
        let (first_here, came_online) = self.presence.opened(user);
        if first_here && let Some(b) = &self.broker {
            let notice = Notice::Sockets {
                origin: b.origin,
                user_id: user.clone(),
                up: true,
            };
            b.send(PRESENCE.to_owned(), &notice).await;
        }
        if came_online {
            self.announce(store, user, false).await;
        }
    }

    /// A socket of `user` closed here: if that took them offline, their last seen time is
    /// recorded and their contacts hear of it.
    pub async fn socket_closed(&self, store: &dyn Store, user: &UserId) {
        let (last_here, went_offline) = self.presence.closed(user);
        if !last_here {
            return;
        }
        if let Err(e) = store.seen(user, now_ms()).await {
            tracing::warn!(error = %e, "cannot record when a user was last seen");
        }
        if let Some(b) = &self.broker {
            let notice = Notice::Sockets {
                origin: b.origin,
                user_id: user.clone(),
                up: false,
            };
            b.send(PRESENCE.to_owned(), &notice).await;
        }
        if went_offline {
            self.announce(store, user, false).await;
        }
    }

    /// `user` showed or hid their presence: their contacts see it as it is now.
    pub async fn presence_shown(&self, store: &dyn Store, user: &UserId) {
        self.announce(store, user, true).await;
        if let Some(b) = &self.broker {
            let notice = Notice::Shown {
                origin: b.origin,
                user_id: user.clone(),
            };
            b.send(PRESENCE.to_owned(), &notice).await;
        }
    }

    /// `user` has new contacts (a conversation was made, a member added): if they are online
    /// (and show it), their contacts hear so now rather than at their next connect.
    pub async fn introduce(&self, store: &dyn Store, user: &UserId) {
        if self.presence.is_online(user) {
            self.announce(store, user, false).await;
        }
        if let Some(b) = &self.broker {
            let notice = Notice::Introduce {
                origin: b.origin,
                user_id: user.clone(),
            };
            b.send(PRESENCE.to_owned(), &notice).await;
        }
    }

    /// The `presence` frames a socket gets right after `ready`: one for each contact of
    /// `user` who is online now (and shows it).
    pub async fn online_contacts(&self, store: &dyn Store, user: &UserId) -> Vec<ServerFrame> {
        let Ok(contacts) = store.contacts(user).await else {
            return Vec::new();
        };
        contacts
            .into_iter()
            .filter(|c| c.show_presence && self.presence.is_online(&c.id))
            .map(|c| ServerFrame::Presence {
                user_id: c.id,
                online: true,
                last_seen_at: c.last_seen_at,
            })
            .collect()
    }

    /// Tells the sockets here of `user`'s contacts whether `user` is online. Someone who
    /// hides their presence is announced only when they just hid it (`shown_changed`), as
    /// offline with no last seen time.
    async fn announce(&self, store: &dyn Store, user: &UserId, shown_changed: bool) {
        let Ok(u) = store.user(user).await else {
            return;
        };
        if !u.show_presence && !shown_changed {
            return;
        }
        let Ok(contacts) = store.contacts(user).await else {
            return;
        };
        let frame = ServerFrame::Presence {
            user_id: user.clone(),
            online: u.show_presence && self.presence.is_online(user),
            last_seen_at: u.last_seen_at.filter(|_| u.show_presence),
        };
        self.hub.send_to(contacts.iter().map(|c| &c.id), &frame);
    }

    /// Says which users this instance holds, and forgets instances gone silent.
    async fn heartbeat(&self, store: &dyn Store) {
        if let Some(b) = &self.broker {
            let held = self.presence.local_users();
            for users in held.chunks(HEARTBEAT_CHUNK) {
                let notice = Notice::Holding {
                    origin: b.origin,
                    users: users.to_vec(),
                };
                b.send(PRESENCE.to_owned(), &notice).await;
            }
        }
        for user in self.presence.expire(INSTANCE_TIMEOUT) {
            if let Err(e) = store.seen(&user, now_ms()).await {
                tracing::warn!(error = %e, "cannot record when a user was last seen");
            }
            self.announce(store, &user, false).await;
        }
    }

    async fn received(
        &self,
        payload: &[u8],
        to_delivery: &mpsc::UnboundedSender<i64>,
        store: &dyn Store,
    ) {
        let Some(broker) = &self.broker else { return };
        match serde_json::from_slice::<Notice>(payload) {
            Ok(Notice::Events { origin, last }) if origin != broker.origin => {
                let _ = to_delivery.send(last);
            }
            Ok(Notice::Typing {
                origin,
                conversation_id,
                user_id,
                members,
            }) if origin != broker.origin => self.hub.typing(&conversation_id, &user_id, &members),
            Ok(Notice::Revoked {
                origin,
                session_id,
                reason,
            }) if origin != broker.origin => self.hub.close_session(&session_id, &reason),
            Ok(Notice::Sockets {
                origin,
                user_id,
                up,
            }) if origin != broker.origin => {
                if self.presence.remote(origin, &user_id, up) {
                    self.announce(store, &user_id, false).await;
                }
            }
            Ok(Notice::Shown { origin, user_id }) if origin != broker.origin => {
                self.announce(store, &user_id, true).await;
            }
            Ok(Notice::Introduce { origin, user_id })
                if origin != broker.origin && self.presence.is_online(&user_id) =>
            {
                self.announce(store, &user_id, false).await;
            }
            Ok(Notice::Holding { origin, users }) if origin != broker.origin => {
                for user in self.presence.heartbeat(origin, &users) {
                    self.announce(store, &user, false).await;
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "unreadable broker message"),
        }
    }
}

impl Broker {
    /// Publishes a notice; a broker that is down loses it (the database poll covers events).
    async fn send(&self, subject: String, notice: &Notice) {
        let Ok(json) = serde_json::to_vec(notice) else {
            return;
        };
        if let Err(e) = self.client.publish(subject, json.into()).await {
            tracing::debug!(error = %e, "broker publish failed");
        }
    }
}

/// Delivers the event log to this instance's sockets in cursor order.
struct Delivery {
    relay: Arc<Relay>,
    store: Arc<dyn Store>,
    metrics: Arc<Metrics>,
    /// Every event up to here has been offered to the hub.
    delivered: i64,
    /// The newest event known to be committed.
    target: i64,
    /// This instance's own commits not yet in line.
    waiting: BTreeMap<i64, Published>,
}

impl Delivery {
    async fn run(
        mut self,
        mut commits: mpsc::UnboundedReceiver<Vec<Published>>,
        mut notices: mpsc::UnboundedReceiver<i64>,
        shutdown: CancellationToken,
    ) {
        let mut poll = tokio::time::interval(POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                Some(batch) = commits.recv() => self.committed_here(batch).await,
                Some(last) = notices.recv() => self.target = self.target.max(last),
                _ = poll.tick() => match self.store.latest_event_id().await {
                    Ok(latest) => self.target = self.target.max(latest),
                    Err(e) => tracing::warn!(error = %e, "relay: cannot read the newest event id"),
                },
                () = shutdown.cancelled() => return,
            }
            self.deliver().await;
        }
    }

    async fn committed_here(&mut self, batch: Vec<Published>) {
        let Some(last) = batch.last().map(|e| e.id) else {
            return;
        };
        self.target = self.target.max(last);
        for event in batch {
            if event.id > self.delivered {
                self.waiting.insert(event.id, event);
            }
        }
        if let Some(b) = &self.relay.broker {
            let notice = Notice::Events {
                origin: b.origin,
                last,
            };
            b.send(format!("{EVENTS}.{}", b.origin), &notice).await;
        }
    }

    /// Offers everything that is next in line; reads back from the database what isn't here.
    async fn deliver(&mut self) {
        loop {
            self.deliver_waiting();
            if self.delivered >= self.target {
                break;
            }
            self.metrics.relay_catchups.inc();
            match self.store.events_after(self.delivered, CATCH_UP_PAGE).await {
                Ok(events) if events.is_empty() => break,
                Ok(events) => {
                    for event in events {
                        if event.id > self.delivered {
                            self.waiting.remove(&event.id);
                            self.delivered = event.id;
                            self.relay.hub.publish(vec![event]);
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "relay: cannot read events back; retrying");
                    break;
                }
            }
        }
        self.metrics.relay_lag.set(self.target - self.delivered);
    }

    fn deliver_waiting(&mut self) {
        let mut ready = Vec::new();
        while let Some(entry) = self.waiting.first_entry() {
            if *entry.key() <= self.delivered {
                entry.remove();
            } else if *entry.key() == self.delivered + 1 {
                self.delivered += 1;
                ready.push(entry.remove());
            } else {
                break;
            }
        }
        if !ready.is_empty() {
            self.relay.hub.publish(ready);
        }
    }
}
