//! Storage behind one trait, so the HTTP layer never sees SQL.
//!
//! Every method that acts for a user takes that user's id (from the verified token, never
//! from the request body) and enforces membership and roles itself, inside the same
//! transaction as the change: a non-member gets [`StoreError::NotFound`], exactly as if the
//! conversation did not exist. Writes that others may see append events to the log and
//! hand them to the [`EventSink`] after the transaction commits.

pub mod batch;
pub mod blobs;
pub mod cursor;
pub mod migrate;
pub mod persist;
mod postgres;
mod rules;
pub mod sqlite;

use std::{path::Path, sync::Arc};

use async_trait::async_trait;
use parley_protocol::{
    Attachment, AttachmentId, Conversation, ConversationId, ConversationKind, Message, MessageId,
    Role, SessionId, Settings, User, UserId,
};
use uuid::Uuid;

pub use cursor::ListCursor;

/// What a store operation can fail with. Backends translate their driver's errors into
/// these (unique violations → `Conflict`, missing rows → `NotFound`).
#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(String),
    /// A per-object limit was reached (409 with this `code`, e.g. `too_many_reactions`).
    #[error("{message}")]
    Limit { code: &'static str, message: String },
    /// The session acting was revoked (401; a socket closes with 4001).
    #[error("the session was revoked")]
    SessionRevoked,
    /// The user's attachment quota is used up (413 `quota_exceeded`).
    #[error("{0}")]
    QuotaExceeded(String),
    #[error("storage failure: {0}")]
    Other(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A new account; the password is already hashed.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
}

/// Token hashes and expiry times (ms) for a new or rotated session.
#[derive(Clone, Debug)]
pub struct TokenHashes {
    pub access_hash: [u8; 32],
    pub access_expires_at: i64,
    pub refresh_hash: [u8; 32],
    pub refresh_expires_at: i64,
}

/// A live session resolved from an access token.
#[derive(Clone, Debug)]
pub struct SessionAuth {
    pub session_id: SessionId,
    pub user_id: UserId,
    pub access_expires_at: i64,
}

#[derive(Clone, Debug)]
pub struct SessionRow {
    pub session_id: SessionId,
    pub device_name: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// What presenting a refresh token led to.
#[derive(Clone, Debug)]
pub enum Refreshed {
    /// Rotated: the new hashes are now the session's.
    Rotated(SessionAuth),
    /// An already rotated token came back: the session is revoked now.
    Reused(SessionId),
    /// Unknown, expired or revoked.
    Invalid,
}

#[derive(Clone, Debug)]
pub struct NewMessage {
    /// The session sending it, when it must still be live at commit (WebSocket sends: the
    /// socket authenticated once, at `hello`).
    pub session: Option<SessionId>,
    pub client_id: Uuid,
    pub body: String,
    pub reply_to: Option<MessageId>,
    pub attachment_ids: Vec<AttachmentId>,
}

/// How both backends store whom a message names (`messages.mentions`): the ids separated by
/// spaces.
pub(crate) fn mention_list(mentions: &[UserId]) -> String {
    mentions
        .iter()
        .map(UserId::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Which page of a conversation's history.
#[derive(Clone, Copy, Debug)]
pub enum Page {
    Latest,
    Before(i64),
    After(i64),
}

#[derive(Clone, Debug)]
pub struct NewAttachment {
    pub id: AttachmentId,
    pub uploader: UserId,
    pub client_id: Option<Uuid>,
    pub size: i64,
    pub content_type: String,
    pub sha256: String,
    pub name: String,
}

/// One event from the log, already serialized as clients receive it.
#[derive(Clone, Debug)]
pub struct StoredEvent {
    pub id: i64,
    pub json: Arc<str>,
}

/// A committed event on its way to live subscribers.
#[derive(Clone, Debug)]
pub struct Published {
    pub id: i64,
    pub conversation_id: ConversationId,
    /// Members who may see it (after the change; plus the removed user for `member.removed`).
    pub recipients: Vec<UserId>,
    pub json: Arc<str>,
}

/// A queued write: resolves to its result once its transaction has committed.
pub struct Ticket<T>(tokio::sync::oneshot::Receiver<StoreResult<T>>);

impl<T> Ticket<T> {
    pub fn new(receiver: tokio::sync::oneshot::Receiver<StoreResult<T>>) -> Self {
        Self(receiver)
    }
}

impl<T> std::future::Future for Ticket<T> {
    type Output = StoreResult<T>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0).poll(cx).map(|r| {
            r.unwrap_or_else(|_| {
                Err(StoreError::Other(
                    "the database writer has stopped".to_owned(),
                ))
            })
        })
    }
}

/// Receives events after their transaction has committed, in log order.
pub trait EventSink: Send + Sync + 'static {
    fn publish(&self, events: Vec<Published>);
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Cheap round trip, for `/healthz`.
    async fn ping(&self) -> StoreResult<()>;

    // Users and sessions.
    async fn create_user(&self, user: NewUser) -> StoreResult<User>;
    /// The user and their password hash.
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<(User, String)>>;
    async fn user(&self, id: &UserId) -> StoreResult<User>;
    async fn find_users(&self, prefix: &str, limit: i64) -> StoreResult<Vec<User>>;
    async fn list_users(&self) -> StoreResult<Vec<User>>;
    async fn set_display_name(&self, id: &UserId, display_name: String) -> StoreResult<User>;
    /// Shows or hides when the user is online (hiding forgets their last seen time).
    async fn set_show_presence(&self, id: &UserId, show: bool) -> StoreResult<User>;
    /// Records that the user was online until `at` (ms), unless they hide it.
    async fn seen(&self, id: &UserId, at: i64) -> StoreResult<User>;
    /// Everyone who shares a conversation with `user` now.
    async fn contacts(&self, user: &UserId) -> StoreResult<Vec<User>>;
    async fn set_password_hash(&self, id: &UserId, hash: String) -> StoreResult<()>;
    /// The user's password hash.
    async fn password_hash(&self, id: &UserId) -> StoreResult<String>;
    async fn create_session(
        &self,
        user: &UserId,
        device_name: Option<String>,
        tokens: TokenHashes,
    ) -> StoreResult<SessionId>;
    /// The session an access token belongs to, if it is live (not revoked, not expired at `now`).
    async fn session_by_access(
        &self,
        access_hash: [u8; 32],
        now: i64,
    ) -> StoreResult<Option<SessionAuth>>;
    /// Rotates the tokens of the session holding `refresh_hash`, unless it was created before
    /// `oldest` (its absolute lifetime is over) or is revoked or idle too long.
    async fn refresh_session(
        &self,
        refresh_hash: [u8; 32],
        new: TokenHashes,
        now: i64,
        oldest: i64,
    ) -> StoreResult<Refreshed>;
    async fn list_sessions(&self, user: &UserId) -> StoreResult<Vec<SessionRow>>;
    /// Revokes one of `user`'s sessions (NotFound if it isn't theirs or is already revoked).
    async fn revoke_session(&self, user: &UserId, session: &SessionId) -> StoreResult<()>;
    /// Revokes all of a user's sessions; returns their ids.
    async fn revoke_all_sessions(&self, user: &UserId) -> StoreResult<Vec<SessionId>>;
    /// Revokes all of a user's sessions but `keep`; returns their ids.
    async fn revoke_other_sessions(
        &self,
        user: &UserId,
        keep: &SessionId,
    ) -> StoreResult<Vec<SessionId>>;
    /// Sessions revoked at or after `since` (ms), by any process sharing the database: how a
    /// running server hears of `parley-server admin` revocations.
    async fn revoked_since(&self, since: i64) -> StoreResult<Vec<SessionId>>;
    async fn touch_session(&self, session: &SessionId, now: i64) -> StoreResult<()>;

    // Conversations.
    /// Creates a conversation; for `direct`, returns the existing one (and `false`) if there is one.
    async fn create_conversation(
        &self,
        actor: &UserId,
        kind: ConversationKind,
        title: Option<String>,
        member_ids: Vec<UserId>,
    ) -> StoreResult<(Conversation, bool)>;
    /// A page of `actor`'s conversations, newest activity first, starting below `before`;
    /// and where the next page starts (`None` on the last).
    async fn conversations(
        &self,
        actor: &UserId,
        before: Option<ListCursor>,
        limit: i64,
    ) -> StoreResult<(Vec<Conversation>, Option<ListCursor>)>;
    async fn conversation(&self, actor: &UserId, id: &ConversationId) -> StoreResult<Conversation>;
    async fn set_title(
        &self,
        actor: &UserId,
        id: &ConversationId,
        title: String,
    ) -> StoreResult<Conversation>;
    async fn add_member(
        &self,
        actor: &UserId,
        id: &ConversationId,
        user: &UserId,
    ) -> StoreResult<Conversation>;
    async fn remove_member(
        &self,
        actor: &UserId,
        id: &ConversationId,
        user: &UserId,
    ) -> StoreResult<()>;
    /// The caller's own notification settings for a conversation they are in.
    async fn set_settings(
        &self,
        actor: &UserId,
        id: &ConversationId,
        settings: Settings,
    ) -> StoreResult<Conversation>;
    /// Makes a member admin or member (admins of groups only; the last admin can't step down).
    async fn set_role(
        &self,
        actor: &UserId,
        id: &ConversationId,
        user: &UserId,
        role: Role,
    ) -> StoreResult<Conversation>;
    /// Ids of the current members, if `actor` is one of them.
    async fn member_ids(&self, actor: &UserId, id: &ConversationId) -> StoreResult<Vec<UserId>>;

    // Messages.
    /// Stores a message; a repeated `client_id` returns the first message and `false`.
    async fn send_message(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        message: NewMessage,
    ) -> StoreResult<(Message, bool)>;
    /// Queues a message without waiting for its commit (no fast path for repeats: the
    /// transaction itself answers those). Messages submitted one after another are stored
    /// in that order.
    async fn submit_message(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        message: NewMessage,
    ) -> StoreResult<Ticket<(Message, bool)>>;
    /// A page in ascending `seq`, and whether there is more in that direction.
    async fn messages(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        page: Page,
        limit: i64,
    ) -> StoreResult<(Vec<Message>, bool)>;
    async fn edit_message(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        message: &MessageId,
        body: String,
    ) -> StoreResult<Message>;
    async fn delete_message(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> StoreResult<()>;
    async fn set_reaction(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        message: &MessageId,
        emoji: String,
        present: bool,
    ) -> StoreResult<()>;
    async fn mark_read(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        seq: i64,
    ) -> StoreResult<()>;
    /// Full-text search in the conversations `actor` is a member of, newest first.
    async fn search(
        &self,
        actor: &UserId,
        query: &str,
        conversation: Option<&ConversationId>,
        limit: i64,
    ) -> StoreResult<Vec<Message>>;

    // Attachments.
    /// Records an uploaded file, unless the uploader's attachments would then pass `quota`
    /// bytes ([`StoreError::QuotaExceeded`]). A repeated `client_id` returns the first
    /// attachment and `false`.
    async fn insert_attachment(
        &self,
        attachment: NewAttachment,
        quota: u64,
    ) -> StoreResult<(Attachment, bool)>;
    /// The attachment `uploader` stored with `client_id`, if any.
    async fn attachment_by_client_id(
        &self,
        uploader: &UserId,
        client_id: Uuid,
    ) -> StoreResult<Option<Attachment>>;
    /// Bytes of attachments `uploader` keeps (what the quota counts).
    async fn attachment_bytes(&self, uploader: &UserId) -> StoreResult<u64>;
    /// Forgets uploads created before `before` (ms) that no message carries; returns the
    /// SHA-256 of each file no attachment refers to any more (their bytes may go).
    async fn sweep_unattached(&self, before: i64) -> StoreResult<Vec<String>>;
    /// Whether any attachment refers to the file with this SHA-256.
    async fn blob_in_use(&self, sha256: &str) -> StoreResult<bool>;
    /// The attachment, if `actor` uploaded it or is a member of a conversation it was sent in.
    async fn attachment(&self, actor: &UserId, id: &AttachmentId) -> StoreResult<Attachment>;

    // Sync.
    /// Events `user` may see after `since`, at most `limit`, and whether more follow.
    async fn events_since(
        &self,
        user: &UserId,
        since: i64,
        limit: i64,
    ) -> StoreResult<(Vec<StoredEvent>, bool)>;
    /// Events after `since` with their recipients, for delivery by another instance.
    async fn events_after(&self, since: i64, limit: i64) -> StoreResult<Vec<Published>>;
    /// The newest event id overall (0 when the log is empty).
    async fn latest_event_id(&self) -> StoreResult<i64>;
    /// Messages stored so far (for `/metrics`).
    async fn message_count(&self) -> StoreResult<i64>;
    /// Where attachment bytes live when the database keeps them (`None`: files in the data
    /// dir, `routes/attachments.rs`).
    fn blobs(&self) -> Option<Arc<dyn blobs::BlobStore>>;
}

/// Picks the backend, once, at start, from `database_url`: empty is SQLite (`parley.db` in the
/// data dir), a `postgres://` URL is PostgreSQL.
pub async fn open(
    config: &crate::Config,
    sink: Arc<dyn EventSink>,
    metrics: Arc<crate::metrics::Metrics>,
) -> anyhow::Result<Arc<dyn Store>> {
    if config.database_url.is_postgres() {
        let url = config.database_url.0.clone();
        let connections = config.read_connections;
        let backend = tokio::task::spawn_blocking(move || {
            self::postgres::PgBackend::open(&url, connections, sink, metrics)
        })
        .await??;
        return Ok(Arc::new(rules::Rules::new(backend)));
    }
    let backend = sqlite::SqliteBackend::open(
        &config.data_dir.join("parley.db"),
        config.read_connections,
        sink,
        metrics,
    )?;
    Ok(Arc::new(rules::Rules::new(backend)))
}

/// An online, consistent copy of the database into `dest`, beside a running server (which may
/// be of another version: nothing is opened for writing or migrated).
pub async fn backup(config: &crate::Config, dest: &Path) -> StoreResult<()> {
    if config.database_url.is_postgres() {
        return Err(StoreError::Invalid(
            "with PostgreSQL, back up with its own tools (pg_dump, or base backups with WAL archiving)"
                .to_owned(),
        ));
    }
    let src = config.data_dir.join("parley.db");
    if !src.exists() {
        return Err(StoreError::Other(format!(
            "no database at {}",
            src.display()
        )));
    }
    let dest = dest.to_owned();
    tokio::task::spawn_blocking(move || sqlite::backup_file(&src, &dest))
        .await
        .map_err(|e| StoreError::Other(e.to_string()))?
}
