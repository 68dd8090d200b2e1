//! Keeping the cache in step with the server: catch-up over `GET /sync`, gap filling, and
//! the realtime loop over the WebSocket with reconnects.
//!
//! The realtime loop says `hello` with `since: null` (no replay), catches up over REST from
//! the stored cursor (state `Syncing`), and only then reads the live frames that queued up
//! meanwhile (state `Online`). One code path — [`Engine::catch_up`] — thus serves first sync,
//! reconnects and `resync`, and applying is idempotent, so the overlap costs nothing.
//!
//! A cache with no cursor yet (first sign-in on this device) is not filled by replaying the
//! whole event log: it takes the newest cursor (the WebSocket's `ready`), stores the recent
//! conversations and the latest page of each, newest activity first, then replays only from
//! that cursor. Older history comes from the server when the user scrolls back
//! ([`Engine::older_messages`]).

use crate::error::ClientResult;
use std::time::Duration;

use futures_util::{
    FutureExt, SinkExt, StreamExt,
    stream::{SplitSink, SplitStream},
};
use parley_protocol::{
    CLOSE_UNAUTHORIZED, ClientFrame, Conversation, Cursor, SecretString, ServerFrame,
};
use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite::Message as WsMessage};

use crate::{
    api::{Api, ApiError},
    engine::{ConnectionState, Engine, EngineEvent},
    plan,
};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Events per `/sync` page.
const SYNC_PAGE: i64 = 1000;
/// Messages per gap-filling request (the server caps pages at 200).
const GAP_PAGE: i64 = 200;
/// The server pings every 30 s: this long without any frame means the link is dead.
const SILENCE_LIMIT: Duration = Duration::from_secs(75);
const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// Messages per conversation stored by the first-sign-in backfill (a screenful and more).
const BACKFILL_PAGE: i64 = 50;

/// A socket that said hello and got its `ready`.
struct Opened {
    sink: SplitSink<Socket, WsMessage>,
    stream: SplitStream<Socket>,
    /// The newest cursor at the time of the hello.
    cursor: Cursor,
    token: SecretString,
}

/// How a realtime session ended.
enum Ended {
    /// Network trouble or the server went away: back off, then reconnect.
    Lost(String),
    /// The access token expired or was revoked (4001): refresh and reconnect at once.
    Unauthorized,
}

impl Engine {
    /// Pages `/sync` from the stored cursor until caught up, applying each page in one
    /// transaction, then fills `seq` gaps. Returns the number of events applied. On a cache
    /// that has never synced, first backfills the recent conversations (see the module docs).
    pub async fn catch_up(&self) -> ClientResult<usize> {
        Ok(self.catch_up_from(None).await?)
    }

    /// [`Engine::catch_up`], with the newest cursor at hand when the caller has one (the
    /// realtime loop's `ready`); otherwise a fresh cache asks the server for it.
    async fn catch_up_from(&self, newest: Option<Cursor>) -> anyhow::Result<usize> {
        let api = self.api().await?;
        if self
            .with_cache_async(|c| Ok(c.own_user_id().is_none()))
            .await?
        {
            let me = api.me().await?;
            self.with_cache_async(move |c| c.set_own_user(&me)).await?;
        }
        let fresh = self.with_cache_async(|c| c.cursor()).await?.is_none();
        if fresh {
            let newest = match newest {
                Some(cursor) => cursor,
                None => newest_cursor(&api).await?,
            };
            self.backfill(&api, newest).await?;
        }
        let mut applied = 0;
        loop {
            let cursor = self.with_cache_async(|c| c.cursor()).await?;
            let page = api.sync(cursor.as_ref(), SYNC_PAGE).await?;
            let count = page.events.len();
            if count > 0 {
                let events = page.events;
                let summary = self
                    .with_cache_async(move |c| c.apply_events(&events))
                    .await?;
                self.refetch(&summary).await?;
                applied += count;
                self.emit(vec![
                    EngineEvent::Applied { summary },
                    EngineEvent::Progress { applied },
                ]);
            }
            if !page.has_more {
                break;
            }
        }
        if fresh && applied > 0 {
            // Events that raced the snapshot may have counted a message twice (or not at all)
            // in an unread count: take the server's counts now that the log is applied.
            for conversation in api.conversations().await? {
                self.with_cache_async(move |c| c.upsert_conversation(&conversation))
                    .await?;
            }
        }
        self.fill_gaps().await?;
        self.fetch_missing_users().await?;
        // Entries settled by an event (sent before a crash) leave their staged files behind.
        if let Err(e) = self.remove_unneeded_staged().await {
            tracing::warn!(error = %e, "could not clean up staged attachments");
        }
        Ok(applied)
    }

    /// First sign-in: the conversations, newest activity first, each stored with its latest
    /// page of messages in one transaction and announced (`Applied` + `Backfill`) so a UI
    /// paints them as they come; then `newest` — taken before the snapshot, so nothing that
    /// happened meanwhile is skipped — becomes the cursor to replay from.
    async fn backfill(&self, api: &Api, newest: Cursor) -> anyhow::Result<()> {
        let mut conversations = api.conversations().await?;
        conversations.sort_by_key(|c| std::cmp::Reverse(activity(c)));
        let total = conversations.len();
        tracing::info!(
            conversations = total,
            "first sync: recent conversations first"
        );
        for (done, conversation) in conversations.into_iter().enumerate() {
            let messages = if conversation.last_message.is_some() {
                api.messages(&conversation.id, None, None, BACKFILL_PAGE)
                    .await?
                    .messages
            } else {
                Vec::new()
            };
            let summary = self
                .with_cache_async(move |c| c.store_snapshot(&conversation, &messages))
                .await?;
            self.emit(vec![
                EngineEvent::Applied { summary },
                EngineEvent::Backfill {
                    done: done + 1,
                    total,
                },
            ]);
        }
        self.with_cache_async(move |c| c.set_cursor(&newest))
            .await?;
        Ok(self.fetch_missing_users().await?)
    }

    /// Conversations the events could not fully describe (per-user fields): fetch them.
    async fn refetch(&self, summary: &crate::cache::AppliedSummary) -> anyhow::Result<()> {
        if summary.refetch.is_empty() {
            return Ok(());
        }
        let api = self.api().await?;
        for id in &summary.refetch {
            match api.conversation(id).await {
                Ok(conversation) => {
                    self.with_cache_async(move |c| c.upsert_conversation(&conversation))
                        .await?;
                }
                Err(ApiError::Status { status: 404, .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Fetches the messages missing between the lowest and highest cached `seq` of each
    /// conversation (after a `resync` or a missed page).
    pub async fn fill_gaps(&self) -> ClientResult<()> {
        let api = self.api().await?;
        for conversation in self.conversations().await? {
            let id = conversation.conversation.id.clone();
            let gaps = {
                let id = id.clone();
                self.with_cache_async(move |c| c.seq_gaps(&id)).await?
            };
            for fetch in plan::gap_fetches(&gaps, GAP_PAGE) {
                let page = api
                    .messages(&id, Some(fetch.after), None, fetch.limit)
                    .await?;
                self.with_cache_async(move |c| c.upsert_messages(&page.messages))
                    .await?;
            }
        }
        Ok(())
    }

    /// The realtime loop: connect, catch up, stream; on loss, back off (exponential, with
    /// jitter, capped) and reconnect. Returns only when the session is gone for good
    /// (signed out), with that error.
    pub async fn run_realtime(&self) -> anyhow::Error {
        let mut failures: u32 = 0;
        loop {
            self.set_state(ConnectionState::Connecting);
            match self.realtime_session(&mut failures).await {
                Ok(Ended::Unauthorized) => continue,
                Ok(Ended::Lost(why)) => tracing::info!(%why, "realtime connection lost"),
                Err(e) => {
                    if is_signed_out(&e) {
                        self.set_state(ConnectionState::Offline);
                        return e;
                    }
                    tracing::info!(error = %e, "cannot connect");
                }
            }
            self.set_state(ConnectionState::Offline);
            let delay = plan::backoff(failures, rand::random::<f64>());
            failures = failures.saturating_add(1);
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = self.inner.reconnect_now.notified() => {}
            }
        }
    }

    async fn realtime_session(&self, failures: &mut u32) -> anyhow::Result<Ended> {
        let api = self.api().await?;
        let Opened {
            mut sink,
            mut stream,
            cursor,
            token,
        } = match open_socket(&api).await? {
            Ok(opened) => opened,
            Err(ended) => return Ok(ended),
        };
        *failures = 0;
        self.set_state(ConnectionState::Syncing);
        self.catch_up_from(Some(cursor)).await?;
        self.set_state(ConnectionState::Online);
        self.inner
            .outbox_now
            .store(true, std::sync::atomic::Ordering::Release);
        self.inner.outbox_wake.notify_one();
        // One realtime session at a time holds the typing notices' receiver.
        let mut typing = self.inner.typing_rx.lock().await;
        while typing.try_recv().is_ok() {} // stale notices from before this session
        loop {
            let next = tokio::select! {
                next = tokio::time::timeout(SILENCE_LIMIT, stream.next()) => next,
                Some(conversation_id) = typing.recv() => {
                    let frame = ClientFrame::Typing { conversation_id };
                    let text = serde_json::to_string(&frame)?;
                    if let Err(e) = sink.send(WsMessage::Text(text.into())).await {
                        return Ok(Ended::Lost(e.to_string()));
                    }
                    continue;
                }
            };
            let frame = match next {
                Err(_) => return Ok(Ended::Lost("no frame from the server for 75 s".to_owned())),
                Ok(None) => return Ok(Ended::Lost("the server closed the connection".to_owned())),
                Ok(Some(Err(e))) => return Ok(Ended::Lost(e.to_string())),
                Ok(Some(Ok(frame))) => frame,
            };
            let mut batch = Vec::new();
            match frame {
                WsMessage::Text(text) => batch.push(text),
                WsMessage::Close(frame) => {
                    if frame
                        .as_ref()
                        .is_some_and(|f| u16::from(f.code) == CLOSE_UNAUTHORIZED)
                    {
                        api.access_token(Some(&token)).await?;
                        return Ok(Ended::Unauthorized);
                    }
                    return Ok(Ended::Lost(format!("closed by the server: {frame:?}")));
                }
                _ => continue,
            }
            // Whatever else already arrived goes into the same batch (one transaction).
            while let Some(Some(Ok(WsMessage::Text(text)))) = stream.next().now_or_never() {
                batch.push(text);
            }
            self.handle_frames(&batch).await?;
        }
    }

    async fn handle_frames(
        &self,
        frames: &[tokio_tungstenite::tungstenite::Utf8Bytes],
    ) -> anyhow::Result<()> {
        let mut events = Vec::new();
        let mut out = Vec::new();
        for text in frames {
            match serde_json::from_str::<ServerFrame>(text) {
                Ok(ServerFrame::Event { event, .. }) => events.push(event),
                Ok(ServerFrame::Resync) => {
                    self.set_state(ConnectionState::Syncing);
                    self.catch_up().await?;
                    self.set_state(ConnectionState::Online);
                }
                Ok(ServerFrame::Typing {
                    conversation_id,
                    user_id,
                }) => {
                    out.push(EngineEvent::Typing {
                        conversation_id,
                        user_id,
                    });
                }
                Ok(ServerFrame::Presence {
                    user_id,
                    online,
                    last_seen_at,
                }) => {
                    out.push(EngineEvent::Presence {
                        user_id,
                        online,
                        last_seen_at,
                    });
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "unreadable frame from the server"),
            }
        }
        if !events.is_empty() {
            let summary = self
                .with_cache_async(move |c| c.apply_events(&events))
                .await?;
            self.refetch(&summary).await?;
            if !summary.conversations.is_empty() {
                // New members or conversations: learn their names before the UI asks.
                self.fetch_missing_users().await?;
            }
            out.insert(0, EngineEvent::Applied { summary });
        }
        self.emit(out);
        Ok(())
    }
}

/// Connects, says `hello` (no replay) and waits for `ready`. `Ok(Err(_))` is a session that
/// ended before it began: the access token was refused (refreshed now; try again) or the
/// server did not answer as it should.
async fn open_socket(api: &Api) -> anyhow::Result<Result<Opened, Ended>> {
    let token = api.access_token(None).await?;
    let (socket, _) = tokio_tungstenite::connect_async(api.ws_url()).await?;
    let (mut sink, mut stream) = socket.split();
    let hello = ClientFrame::Hello {
        access_token: token.clone(),
        since: None,
    };
    sink.send(WsMessage::Text(serde_json::to_string(&hello)?.into()))
        .await?;
    match tokio::time::timeout(READY_TIMEOUT, stream.next()).await {
        Ok(Some(Ok(WsMessage::Text(text)))) => match serde_json::from_str(&text) {
            Ok(ServerFrame::Ready { cursor, .. }) => Ok(Ok(Opened {
                sink,
                stream,
                cursor,
                token,
            })),
            _ => Ok(Err(Ended::Lost(format!("expected ready, got {text}")))),
        },
        Ok(Some(Ok(WsMessage::Close(Some(frame)))))
            if u16::from(frame.code) == CLOSE_UNAUTHORIZED =>
        {
            api.access_token(Some(&token)).await?;
            Ok(Err(Ended::Unauthorized))
        }
        other => Ok(Err(Ended::Lost(format!("no ready frame: {other:?}")))),
    }
}

/// The newest cursor, from a short-lived socket's `ready` (one retry after a refused token).
async fn newest_cursor(api: &Api) -> anyhow::Result<Cursor> {
    let mut tries = 0;
    loop {
        match open_socket(api).await? {
            Ok(opened) => return Ok(opened.cursor),
            Err(Ended::Unauthorized) if tries == 0 => tries += 1,
            Err(Ended::Unauthorized) => anyhow::bail!("the server refused the access token"),
            Err(Ended::Lost(why)) => anyhow::bail!("cannot start the first sync: {why}"),
        }
    }
}

/// When a conversation last saw activity: its last message, else its creation.
fn activity(conversation: &Conversation) -> chrono::DateTime<chrono::Utc> {
    conversation
        .last_message
        .as_ref()
        .map_or(conversation.created_at, |m| m.created_at)
}

/// True when the error means the session is gone (sign in again), not a passing failure.
pub fn is_signed_out(error: &anyhow::Error) -> bool {
    crate::error::is_signed_out(error)
}
