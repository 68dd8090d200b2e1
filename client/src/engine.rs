//! The engine: one account's cache, its server connection, the outbox, and what a UI
//! observes — one [`ConnectionState`] and one stream of [`EngineEvent`] batches.
//!
//! Everything reads the cache first and works with no network at all; only `sync`,
//! `flush_outbox` and the realtime loop (`run`) talk to the server.

use crate::error::{ClientError, ClientResult};
use std::{
    path::Path,
    sync::{Arc, Mutex},
};

use anyhow::Context;
use parley_protocol::{
    Conversation, ConversationId, ConversationKind, CreateConversationRequest, Role, SecretString,
    UserId,
};
use tokio::sync::{Notify, OnceCell, broadcast, watch};
use uuid::Uuid;

use crate::{
    accounts::Account,
    api::{Api, OnRotate},
    cache::{
        AppliedSummary, Cache, CacheResult, CachedConversation, CachedMessage, Delivery,
        OutboxEntry, Page,
    },
    keyring::Credentials,
};

/// The one connection-state value a UI shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ConnectionState {
    Online,
    Connecting,
    Offline,
    Syncing,
}

/// What changed, for a UI to patch itself. Sent in batches (`Vec<EngineEvent>`).
#[derive(Clone, Debug, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EngineEvent {
    State {
        state: ConnectionState,
    },
    /// Server events applied to the cache.
    Applied {
        summary: AppliedSummary,
    },
    /// An outbox entry was sent, or failed for good.
    Outbox {
        client_id: Uuid,
        conversation_id: ConversationId,
        delivery: Delivery,
    },
    /// Someone is typing (ephemeral).
    Typing {
        conversation_id: ConversationId,
        user_id: UserId,
    },
    /// Someone who shares a conversation came online or went offline (ephemeral; a socket
    /// hears of everyone online right after it connects).
    Presence {
        user_id: UserId,
        online: bool,
        last_seen_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Catch-up progress: events applied so far in this run.
    Progress {
        applied: usize,
    },
    /// First-sign-in progress: `done` of `total` conversations stored with their latest
    /// messages (newest activity first).
    Backfill {
        done: usize,
        total: usize,
    },
    /// A file of an outbox entry on its way up: `sent` of `total` bytes (ephemeral, a few
    /// times a second at most; the last one has `sent == total`).
    Upload {
        client_id: Uuid,
        conversation_id: ConversationId,
        /// The staged file's id (one entry may carry several files).
        staged_id: Uuid,
        name: String,
        sent: u64,
        total: u64,
    },
}

pub(crate) struct Inner {
    pub(crate) account: Account,
    /// The account's own dir (staged and downloaded attachments).
    pub(crate) dir: std::path::PathBuf,
    pub(crate) cache: Mutex<Cache>,
    credentials: OnceCell<Arc<Credentials>>,
    api: OnceCell<Arc<Api>>,
    pub(crate) state: watch::Sender<ConnectionState>,
    pub(crate) events: broadcast::Sender<Vec<EngineEvent>>,
    /// Wakes the outbox task (new entry, connection back).
    pub(crate) outbox_wake: Notify,
    /// Cuts a reconnect backoff short (e.g. the app got focus).
    pub(crate) reconnect_now: Notify,
    /// Set when the connection comes back: the outbox retries at once, ignoring its backoff.
    pub(crate) outbox_now: std::sync::atomic::AtomicBool,
    /// Typing notices on their way to the socket (the realtime session holds the receiver).
    pub(crate) typing_tx: tokio::sync::mpsc::Sender<ConversationId>,
    pub(crate) typing_rx: tokio::sync::Mutex<tokio::sync::mpsc::Receiver<ConversationId>>,
    /// When a typing notice was last sent, per conversation (at most one per 3 s); `None`
    /// while one is waiting for that window to end.
    typing_sent:
        std::sync::Mutex<std::collections::HashMap<ConversationId, Option<std::time::Instant>>>,
    /// The outbox entries whose files are uploading now, each with the token that cancels it.
    pub(crate) uploads:
        std::sync::Mutex<std::collections::HashMap<Uuid, tokio_util::sync::CancellationToken>>,
}

/// At most one typing notice per conversation this often (PRODUCT.md §2).
pub const TYPING_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// A handle on one account's engine; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("account", &self.inner.account.label())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Opens the account's cache under `home`. Touches neither the network nor the keyring:
    /// an engine opened on a plane reads everything cached.
    /// Staged files nothing needs any more are removed here (see `attachments.rs`).
    pub fn open(home: &Path, account: Account) -> ClientResult<Self> {
        let cache = Cache::open(account.cache_path(home))?;
        let dir = account.data_dir(home);
        let engine = Self::with_cache(account, cache, dir);
        if let Err(e) = engine.remove_unneeded_staged_now() {
            tracing::warn!(error = %e, "could not clean up staged attachments");
        }
        Ok(engine)
    }

    pub(crate) fn with_cache(account: Account, cache: Cache, dir: std::path::PathBuf) -> Self {
        let (state, _) = watch::channel(ConnectionState::Offline);
        let (events, _) = broadcast::channel(256);
        let (typing_tx, typing_rx) = tokio::sync::mpsc::channel(8);
        Self {
            inner: Arc::new(Inner {
                account,
                dir,
                cache: Mutex::new(cache),
                credentials: OnceCell::new(),
                api: OnceCell::new(),
                state,
                events,
                outbox_wake: Notify::new(),
                reconnect_now: Notify::new(),
                outbox_now: std::sync::atomic::AtomicBool::new(false),
                typing_tx,
                typing_rx: tokio::sync::Mutex::new(typing_rx),
                typing_sent: std::sync::Mutex::new(std::collections::HashMap::new()),
                uploads: std::sync::Mutex::new(std::collections::HashMap::new()),
            }),
        }
    }

    /// Whether `other` is this very engine (a clone of it), not another one opened on the
    /// same account.
    pub fn same_as(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    pub fn account(&self) -> &Account {
        &self.inner.account
    }

    pub fn state(&self) -> watch::Receiver<ConnectionState> {
        self.inner.state.subscribe()
    }

    pub fn events(&self) -> broadcast::Receiver<Vec<EngineEvent>> {
        self.inner.events.subscribe()
    }

    pub(crate) fn set_state(&self, state: ConnectionState) {
        if self.inner.state.send_replace(state) != state {
            tracing::debug!(?state, account = %self.inner.account.label(), "connection state");
            self.emit(vec![EngineEvent::State { state }]);
        }
    }

    pub(crate) fn emit(&self, batch: Vec<EngineEvent>) {
        if !batch.is_empty() {
            let _ = self.inner.events.send(batch);
        }
    }

    /// Runs `f` on the cache on the blocking pool.
    pub async fn with_cache_async<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Cache) -> CacheResult<T> + Send + 'static,
    ) -> ClientResult<T> {
        let inner = self.inner.clone();
        let result = tokio::task::spawn_blocking(move || {
            let mut cache = inner
                .cache
                .lock()
                .map_err(|_| anyhow::anyhow!("cache lock poisoned"))?;
            f(&mut cache).map_err(anyhow::Error::from)
        })
        .await??;
        Ok(result)
    }

    async fn credentials(&self) -> anyhow::Result<Arc<Credentials>> {
        self.inner
            .credentials
            .get_or_try_init(|| async {
                let creds = tokio::task::spawn_blocking(Credentials::open).await??;
                Ok::<_, anyhow::Error>(Arc::new(creds))
            })
            .await
            .cloned()
    }

    /// Stores a refresh token in the keyring.
    pub async fn store_refresh_token(&self, token: SecretString) -> ClientResult<()> {
        let creds = self.credentials().await?;
        let key = self.inner.account.key()?;
        tokio::task::spawn_blocking(move || creds.store(&key, &token)).await??;
        Ok(())
    }

    fn on_rotate(&self) -> OnRotate {
        let engine = self.clone();
        Arc::new(move |token| {
            let engine = engine.clone();
            Box::pin(async move {
                engine
                    .store_refresh_token(token)
                    .await
                    .map_err(|e| e.to_string())
            })
        })
    }

    /// The server connection, from the refresh token in the keyring.
    pub async fn api(&self) -> ClientResult<Arc<Api>> {
        self.inner
            .api
            .get_or_try_init(|| async {
                let creds = self.credentials().await?;
                let key = self.inner.account.key()?;
                let label = self.inner.account.label();
                let token = tokio::task::spawn_blocking(move || creds.load(&key))
                    .await??
                    .ok_or(crate::error::ClientError::NotSignedIn(label))?;
                Ok::<_, ClientError>(Arc::new(Api::new(
                    &self.inner.account.server,
                    token,
                    self.on_rotate(),
                )?))
            })
            .await
            .cloned()
    }

    /// Uses an already signed-in connection (right after login or register).
    pub fn set_api(&self, api: Api) {
        let _ = self.inner.api.set(Arc::new(api));
    }

    /// Tries to reconnect now instead of waiting out the backoff (e.g. on app focus).
    pub fn reconnect_now(&self) {
        self.inner.reconnect_now.notify_one();
    }

    // Reading: the cache only.

    pub async fn conversations(&self) -> ClientResult<Vec<CachedConversation>> {
        self.with_cache_async(|c| c.conversations()).await
    }

    pub async fn resolve(&self, spec: &str) -> ClientResult<CachedConversation> {
        let spec = spec.to_owned();
        self.with_cache_async(move |c| c.resolve_conversation(&spec))
            .await
    }

    /// The newest `limit` messages of a conversation, oldest first, pending ones last.
    pub async fn messages(
        &self,
        id: &ConversationId,
        limit: usize,
    ) -> ClientResult<Vec<CachedMessage>> {
        let id = id.clone();
        self.with_cache_async(move |c| c.messages(&id, Page::Latest, limit))
            .await
    }

    /// The last `limit` messages like [`Engine::messages`], with whatever the cache lacks of
    /// them (history older than a first-sign-in backfill or a join) fetched from the server
    /// and cached. When the server can't be reached, what the cache has.
    pub async fn recent_messages(
        &self,
        id: &ConversationId,
        limit: usize,
    ) -> ClientResult<Vec<CachedMessage>> {
        loop {
            let messages = self.messages(id, limit).await?;
            let sent: Vec<i64> = messages
                .iter()
                .filter(|m| m.is_sent())
                .map(|m| m.message.seq)
                .collect();
            let lowest = sent.iter().copied().min().unwrap_or(i64::MAX);
            if sent.len() >= limit || lowest <= 1 {
                return Ok(messages);
            }
            let before = self.older_messages(id, lowest, limit - sent.len()).await?;
            if !before.iter().any(|m| m.is_sent() && m.message.seq < lowest) {
                // Nothing older to be had (offline, or the conversation starts here).
                return Ok(messages);
            }
        }
    }

    /// Older history while scrolling back: the cache first; when it runs out before `seq`
    /// 1 (history from before this device joined, or never fetched), the next page comes
    /// from the server and is cached. Offline, just what the cache has.
    pub async fn older_messages(
        &self,
        id: &ConversationId,
        before: i64,
        limit: usize,
    ) -> ClientResult<Vec<CachedMessage>> {
        let conversation = id.clone();
        let cached = self
            .with_cache_async(move |c| c.messages(&conversation, Page::Before(before), limit))
            .await?;
        let sent: Vec<i64> = cached
            .iter()
            .filter(|m| m.is_sent())
            .map(|m| m.message.seq)
            .collect();
        let lowest = sent.iter().copied().min().unwrap_or(before);
        if sent.len() >= limit || lowest <= 1 {
            return Ok(cached);
        }
        let Ok(api) = self.api().await else {
            return Ok(cached);
        };
        // Events for history older than the cache are not stored (see `apply_events`), so
        // a page built before an edit or deletion that was applied meanwhile would bring the
        // old text back for good: fetch again until no event landed during the request.
        let mut fetched;
        let mut tries = 0;
        loop {
            let cursor = self.with_cache_async(|c| c.cursor()).await?;
            fetched = api
                .messages(id, None, Some(lowest), limit.min(200) as i64)
                .await;
            tries += 1;
            if tries == 3 || self.with_cache_async(|c| c.cursor()).await? == cursor {
                break;
            }
        }
        match fetched {
            Ok(page) => {
                self.with_cache_async(move |c| c.upsert_messages(&page.messages))
                    .await?;
                let conversation = id.clone();
                self.with_cache_async(move |c| {
                    c.messages(&conversation, Page::Before(before), limit)
                })
                .await
            }
            Err(e) => {
                tracing::debug!(error = %e, "older history not fetched; showing the cache");
                Ok(cached)
            }
        }
    }

    /// Checks the local search index against the messages and rebuilds it if they disagree
    /// (a full pass: run it in the background). Returns whether it rebuilt.
    ///
    /// It runs on a connection of its own: the check reads the whole index, and on the
    /// engine's connection it would hold the lock every UI read waits for (in WAL mode the
    /// engine's reads go on meanwhile).
    pub async fn check_search_index(&self) -> ClientResult<bool> {
        let path = self.with_cache_async(|c| Ok(c.path().to_owned())).await?;
        let rebuilt =
            tokio::task::spawn_blocking(move || Cache::open(path)?.fts_self_check()).await??;
        Ok(rebuilt)
    }

    /// Full-text search in the cache (works offline).
    pub async fn search_local(
        &self,
        query: &str,
        conversation: Option<ConversationId>,
        limit: usize,
    ) -> ClientResult<Vec<parley_protocol::Message>> {
        let query = query.to_owned();
        self.with_cache_async(move |c| c.search(&query, conversation.as_ref(), limit))
            .await
    }

    /// The server's full-text search (`GET /api/v1/search`): every message the account can
    /// see, cached or not. Fails offline; the UI merges it with [`Engine::search_local`].
    pub async fn search_server(
        &self,
        query: &str,
        conversation: Option<&ConversationId>,
        limit: usize,
    ) -> ClientResult<Vec<parley_protocol::Message>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        Ok(self.api().await?.search(query, conversation, limit).await?)
    }

    // Writing.

    /// Puts a message in the outbox (durably, before any network call) and wakes the sender.
    pub async fn compose(
        &self,
        conversation: &ConversationId,
        body: &str,
    ) -> ClientResult<OutboxEntry> {
        self.compose_reply(conversation, body, None).await
    }

    /// [`Engine::compose`], as a reply to `reply_to`.
    pub async fn compose_reply(
        &self,
        conversation: &ConversationId,
        body: &str,
        reply_to: Option<parley_protocol::MessageId>,
    ) -> ClientResult<OutboxEntry> {
        self.compose_with(conversation, body, reply_to, &[]).await
    }

    /// Wakes the sending task (after a retry, or when something new is queued).
    pub fn wake_outbox(&self) {
        self.inner
            .outbox_now
            .store(true, std::sync::atomic::Ordering::Release);
        self.inner.outbox_wake.notify_one();
    }

    /// Creates a conversation on the server and caches it; returns its id.
    pub async fn create_conversation(
        &self,
        request: &CreateConversationRequest,
    ) -> ClientResult<ConversationId> {
        let conversation = self.api().await?.create_conversation(request).await?;
        let id = conversation.id.clone();
        self.with_cache_async(move |c| c.upsert_conversation(&conversation))
            .await?;
        self.fetch_missing_users().await?;
        Ok(id)
    }

    /// Opens (or creates) the direct conversation with `username`.
    pub async fn open_direct(&self, username: &str) -> ClientResult<ConversationId> {
        let api = self.api().await?;
        let other = self.find_user(&api, username).await?;
        let request = CreateConversationRequest {
            kind: ConversationKind::Direct,
            title: None,
            member_ids: vec![other],
        };
        self.create_conversation(&request).await
    }

    /// Creates a group with `usernames`.
    pub async fn create_group(
        &self,
        title: &str,
        usernames: &[String],
    ) -> ClientResult<ConversationId> {
        let api = self.api().await?;
        let mut members = Vec::new();
        for name in usernames {
            members.push(self.find_user(&api, name).await?);
        }
        let request = CreateConversationRequest {
            kind: ConversationKind::Group,
            title: Some(title.to_owned()),
            member_ids: members,
        };
        self.create_conversation(&request).await
    }

    async fn find_user(&self, api: &Api, username: &str) -> anyhow::Result<UserId> {
        let wanted = parley_protocol::limits::normalize_username(username.trim_start_matches('@'))?;
        let users = api.find_users(&wanted).await?;
        let user = users
            .into_iter()
            .find(|u| u.username == wanted)
            .with_context(|| format!("no user named {wanted}"))?;
        let id = user.id.clone();
        self.with_cache_async(move |c| c.upsert_users(&[user]))
            .await?;
        Ok(id)
    }

    /// Fetches the profiles of conversation members the cache doesn't know yet (so names,
    /// not ids, are shown, and `@username` resolves).
    pub async fn fetch_missing_users(&self) -> ClientResult<()> {
        let api = self.api().await?;
        let missing = self
            .with_cache_async(|c| c.members_without_profile())
            .await?;
        if missing.is_empty() {
            return Ok(());
        }
        tracing::debug!(count = missing.len(), "fetching profiles");
        for id in &missing {
            let user = api.user(id).await?;
            self.with_cache_async(move |c| c.upsert_users(&[user]))
                .await?;
        }
        // Titles and sender names change with the profiles: the conversations these people
        // are in are reported changed, so a UI that painted ids repaints names.
        let touched = self
            .with_cache_async(move |c| {
                Ok(c.conversations()?
                    .into_iter()
                    .filter(|c| {
                        c.conversation
                            .members
                            .iter()
                            .any(|m| missing.contains(&m.user_id))
                    })
                    .map(|c| c.conversation.id)
                    .collect())
            })
            .await?;
        self.emit(vec![EngineEvent::Applied {
            summary: AppliedSummary {
                conversations: touched,
                ..AppliedSummary::default()
            },
        }]);
        Ok(())
    }

    /// The cached profile of a user.
    pub async fn user(&self, id: &UserId) -> ClientResult<Option<parley_protocol::User>> {
        let id = id.clone();
        self.with_cache_async(move |c| c.user(&id)).await
    }

    /// Changes the account's display name and/or whether others see when it is online; the
    /// cached profile follows.
    pub async fn update_profile(
        &self,
        display_name: Option<String>,
        show_presence: Option<bool>,
    ) -> ClientResult<parley_protocol::User> {
        let request = parley_protocol::UpdateMeRequest {
            display_name,
            show_presence,
        };
        let me = self.api().await?.update_me(&request).await?;
        let cached = me.clone();
        self.with_cache_async(move |c| c.upsert_users(std::slice::from_ref(&cached)))
            .await?;
        Ok(me)
    }

    /// Changes the account's password (the current one proves it is the owner); every other
    /// session of the account is signed out by the server.
    pub async fn change_password(
        &self,
        current: SecretString,
        new: SecretString,
    ) -> ClientResult<()> {
        let request = parley_protocol::ChangePasswordRequest {
            current_password: current,
            new_password: new,
        };
        Ok(self.api().await?.change_password(&request).await?)
    }

    /// Signs `auth`'s account in on this device: keeps the refresh token in the keyring, adds
    /// the account to `home`'s list, remembers who "me" is in its cache, and keeps the
    /// session's access token for the first calls. The same for register and login.
    pub async fn sign_in(
        home: &Path,
        server: &str,
        auth: parley_protocol::AuthResponse,
    ) -> ClientResult<Engine> {
        let account = Account {
            server: server.to_owned(),
            username: auth.user.username.clone(),
            user_id: auth.user.id.clone(),
        };
        let engine = Engine::open(home, account.clone())?;
        engine
            .store_refresh_token(auth.session.refresh_token.clone())
            .await?;
        let mut accounts = crate::accounts::Accounts::load(home)?;
        accounts.upsert(account);
        accounts.save(home)?;
        let user = auth.user.clone();
        engine
            .with_cache_async(move |c| c.set_own_user(&user))
            .await?;
        engine.set_api(Api::from_session(
            server,
            &auth.session,
            engine.on_rotate(),
        )?);
        Ok(engine)
    }

    /// The user is typing in `conversation`: tells the other members, at most once every
    /// [`TYPING_EVERY`] per conversation. Typing again within that time is told when it ends
    /// (once), so a short burst right after a notice isn't lost. Ephemeral: dropped while
    /// offline. Call it inside the runtime.
    pub fn typing(&self, conversation: &ConversationId) {
        let now = std::time::Instant::now();
        let wait = {
            let mut sent = self
                .inner
                .typing_sent
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match sent.get(conversation) {
                // `Some(None)`: a notice is already due when the window ends.
                Some(Some(at)) if now.duration_since(*at) < TYPING_EVERY => {
                    let due = *at + TYPING_EVERY;
                    sent.insert(conversation.clone(), None);
                    Some(due - now)
                }
                Some(None) => return,
                _ => {
                    sent.insert(conversation.clone(), Some(now));
                    None
                }
            }
        };
        match wait {
            None => self.send_typing(conversation),
            Some(wait) => {
                let (engine, conversation) = (self.clone(), conversation.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    engine
                        .inner
                        .typing_sent
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .insert(conversation.clone(), Some(std::time::Instant::now()));
                    engine.send_typing(&conversation);
                });
            }
        }
    }

    fn send_typing(&self, conversation: &ConversationId) {
        if *self.inner.state.borrow() == ConnectionState::Online {
            let _ = self.inner.typing_tx.try_send(conversation.clone());
        }
    }

    /// Stores a conversation as a REST answer gave it (the caller's own view); the event
    /// that announces the change to every member follows over the socket.
    async fn store_answer(&self, conversation: Conversation) -> ClientResult<()> {
        self.with_cache_async(move |c| c.upsert_conversation(&conversation))
            .await?;
        self.fetch_missing_users().await
    }

    /// Renames a group (admins; online only, like every membership change).
    pub async fn rename_conversation(
        &self,
        conversation: &ConversationId,
        title: &str,
    ) -> ClientResult<()> {
        let answer = self
            .api()
            .await?
            .rename_conversation(conversation, title)
            .await?;
        self.store_answer(answer).await
    }

    /// Adds someone to a group (admins).
    pub async fn add_member(
        &self,
        conversation: &ConversationId,
        user: &UserId,
    ) -> ClientResult<()> {
        let answer = self.api().await?.add_member(conversation, user).await?;
        self.store_answer(answer).await
    }

    /// Removes a member (admins), or leaves the conversation (`user` is the account's own).
    pub async fn remove_member(
        &self,
        conversation: &ConversationId,
        user: &UserId,
    ) -> ClientResult<()> {
        Ok(self.api().await?.remove_member(conversation, user).await?)
    }

    /// Makes a member admin or member (admins).
    pub async fn set_role(
        &self,
        conversation: &ConversationId,
        user: &UserId,
        role: Role,
    ) -> ClientResult<()> {
        let answer = self.api().await?.set_role(conversation, user, role).await?;
        self.store_answer(answer).await
    }

    /// The draft kept for a conversation (survives restarts).
    pub async fn draft(&self, conversation: &ConversationId) -> ClientResult<String> {
        let key = format!("draft:{conversation}");
        Ok(self
            .with_cache_async(move |c| c.state(&key))
            .await?
            .unwrap_or_default())
    }

    pub async fn set_draft(&self, conversation: &ConversationId, text: &str) -> ClientResult<()> {
        let (key, text) = (format!("draft:{conversation}"), text.to_owned());
        self.with_cache_async(move |c| c.set_state(&key, &text))
            .await
    }

    /// Revokes the session on the server (if reachable) and deletes the keyring entry.
    pub async fn logout(&self) -> ClientResult<()> {
        if let Ok(api) = self.api().await
            && let Err(e) = api.logout().await
        {
            tracing::warn!(error = %e, "could not revoke the session on the server");
        }
        let creds = self.credentials().await?;
        let key = self.inner.account.key()?;
        tokio::task::spawn_blocking(move || creds.delete(&key)).await??;
        Ok(())
    }
}
