//! The SQLite backend (the default): one writer thread with group commit, a small pool of
//! read-only connections, WAL, embedded migrations.

mod attachments;
mod conversations;
mod messages;
mod users;
mod writer;

use std::{
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parley_protocol::{
    Attachment, AttachmentId, Conversation, ConversationId, ConversationKind, Message, MessageId,
    SessionId, User, UserId,
};
use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{M, Migrations};
use tokio::sync::Semaphore;

use writer::Writer;
pub use writer::cursor_of;

use super::{
    EventSink, ListCursor, NewAttachment, NewMessage, NewUser, Page, Refreshed, SessionAuth,
    SessionRow, Store, StoreError, StoreResult, StoredEvent, Ticket, TokenHashes,
};
use crate::metrics::Metrics;

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../../migrations/001_initial.sql")),
        M::up(include_str!("../../../migrations/002_search_prefixes.sql")),
        M::up(include_str!("../../../migrations/003_hardening.sql")),
    ])
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

pub fn time_of(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Driver errors → store errors; constraint violations are conflicts.
pub fn sql_err(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
        rusqlite::Error::SqliteFailure(f, msg)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict(msg.unwrap_or_else(|| "already exists".to_owned()))
        }
        other => StoreError::Other(other.to_string()),
    }
}

/// The one place connections are configured.
fn init_connection(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -16000;",
    )?;
    Ok(())
}

/// Read-only connections, handed out one at a time to blocking tasks.
///
/// Cancellation: a request future may be dropped at any await (client gone, timeout). The
/// semaphore permit therefore travels *into* the blocking task and is released only after
/// the task has put its connection back, so a dropped request can never hand its slot to the
/// next reader while its query still runs (which left the pool empty and every route
/// answering 500). The dropped request also raises a flag that the query's progress handler
/// checks, so the abandoned query stops within a few thousand VM steps instead of running on.
struct ReadPool {
    conns: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

/// A connection taken from the pool; it goes back when this is dropped (also on panic).
struct PooledConn {
    conn: Option<Connection>,
    pool: Arc<ReadPool>,
}

impl PooledConn {
    fn take(pool: &Arc<ReadPool>) -> StoreResult<Self> {
        let conn = pool
            .conns
            .lock()
            .map_err(|e| StoreError::Other(e.to_string()))?
            .pop()
            .ok_or_else(|| StoreError::Other("read pool empty".to_owned()))?;
        Ok(Self {
            conn: Some(conn),
            pool: pool.clone(),
        })
    }
}

impl std::ops::Deref for PooledConn {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
            .as_ref()
            .unwrap_or_else(|| unreachable!("taken only in drop"))
    }
}

impl Drop for PooledConn {
    fn drop(&mut self) {
        if let (Some(conn), Ok(mut conns)) = (self.conn.take(), self.pool.conns.lock()) {
            conns.push(conn);
        }
    }
}

/// Raises its flag when dropped before [`CancelOnDrop::disarm`]: the request went away.
struct CancelOnDrop(Option<Arc<AtomicBool>>);

impl CancelOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(flag) = &self.0 {
            flag.store(true, Ordering::Relaxed);
        }
    }
}

/// VM steps between checks of the cancel flag (a few microseconds of work).
const PROGRESS_STEPS: i32 = 1000;

pub struct SqliteStore {
    path: std::path::PathBuf,
    writer: Writer,
    readers: Arc<ReadPool>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(
        path: &Path,
        read_connections: usize,
        sink: Arc<dyn EventSink>,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent() {
            create_private_dir(dir)?;
        }
        create_private_file(path)?;
        let mut conn = Connection::open(path)
            .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", path.display()))?;
        init_connection(&conn)?;
        migrations()
            .to_latest(&mut conn)
            .map_err(|e| anyhow::anyhow!("cannot migrate database {}: {e}", path.display()))?;
        let mut readers = Vec::with_capacity(read_connections);
        for _ in 0..read_connections {
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI,
            )?;
            init_connection(&reader)?;
            readers.push(reader);
        }
        let writer = Writer::start(conn, sink, metrics)?;
        Ok(Self {
            path: path.to_owned(),
            writer,
            readers: Arc::new(ReadPool {
                conns: Mutex::new(readers),
                permits: Arc::new(Semaphore::new(read_connections)),
            }),
        })
    }

    /// Runs `f` on a read-only connection on the blocking pool. Safe to cancel: see
    /// [`ReadPool`].
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let permit = self
            .readers
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let pool = self.readers.clone();
        let cancelled = Arc::new(AtomicBool::new(false));
        let guard = CancelOnDrop(Some(cancelled.clone()));
        let task = tokio::task::spawn_blocking(move || {
            // Declared first, dropped last: the slot is free only once the connection is back.
            let _permit = permit;
            if cancelled.load(Ordering::Relaxed) {
                return Err(StoreError::Other("cancelled".to_owned()));
            }
            let conn = PooledConn::take(&pool)?;
            conn.progress_handler(
                PROGRESS_STEPS,
                Some(move || cancelled.load(Ordering::Relaxed)),
            )
            .map_err(sql_err)?;
            let result = f(&conn);
            let _ = conn.progress_handler(0, None::<fn() -> bool>);
            result
        });
        let result = task.await.map_err(|e| StoreError::Other(e.to_string()))?;
        guard.disarm();
        result
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.read(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(sql_err))
            .await
    }

    async fn backup(&self, dest: &Path) -> StoreResult<()> {
        let src = self.path.clone();
        let dest = dest.to_owned();
        tokio::task::spawn_blocking(move || backup_file(&src, &dest))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?
    }

    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        self.writer
            .write(move |ctx| users::create(ctx, &user))
            .await
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<(User, String)>> {
        let username = username.to_owned();
        self.read(move |c| users::by_username(c, &username)).await
    }

    async fn user(&self, id: &UserId) -> StoreResult<User> {
        let id = id.clone();
        self.read(move |c| users::by_id(c, &id)).await
    }

    async fn find_users(&self, prefix: &str, limit: i64) -> StoreResult<Vec<User>> {
        let prefix = prefix.to_owned();
        self.read(move |c| users::find(c, &prefix, limit)).await
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        self.read(users::all).await
    }

    async fn set_display_name(&self, id: &UserId, display_name: String) -> StoreResult<User> {
        let id = id.clone();
        self.writer
            .write(move |ctx| users::set_display_name(ctx.conn, &id, &display_name))
            .await
    }

    async fn set_password_hash(&self, id: &UserId, hash: String) -> StoreResult<()> {
        let id = id.clone();
        self.writer
            .write(move |ctx| users::set_password_hash(ctx.conn, &id, &hash))
            .await
    }

    async fn password_hash(&self, id: &UserId) -> StoreResult<String> {
        let id = id.clone();
        self.read(move |c| users::password_hash(c, &id)).await
    }

    async fn create_session(
        &self,
        user: &UserId,
        device_name: Option<String>,
        tokens: TokenHashes,
    ) -> StoreResult<SessionId> {
        let user = user.clone();
        self.writer
            .write(move |ctx| users::create_session(ctx, &user, device_name, &tokens))
            .await
    }

    async fn session_by_access(
        &self,
        access_hash: [u8; 32],
        now: i64,
    ) -> StoreResult<Option<SessionAuth>> {
        self.read(move |c| users::session_by_access(c, &access_hash, now))
            .await
    }

    async fn refresh_session(
        &self,
        refresh_hash: [u8; 32],
        new: TokenHashes,
        now: i64,
        oldest: i64,
    ) -> StoreResult<Refreshed> {
        self.writer
            .write(move |ctx| users::refresh(ctx.conn, &refresh_hash, &new, now, oldest))
            .await
    }

    async fn list_sessions(&self, user: &UserId) -> StoreResult<Vec<SessionRow>> {
        let user = user.clone();
        self.read(move |c| users::sessions(c, &user)).await
    }

    async fn revoke_session(&self, user: &UserId, session: &SessionId) -> StoreResult<()> {
        let (user, session) = (user.clone(), session.clone());
        self.writer
            .write(move |ctx| users::revoke(ctx, &user, &session))
            .await
    }

    async fn revoke_all_sessions(&self, user: &UserId) -> StoreResult<Vec<SessionId>> {
        let user = user.clone();
        self.writer
            .write(move |ctx| users::revoke_all(ctx, &user))
            .await
    }

    async fn revoke_other_sessions(
        &self,
        user: &UserId,
        keep: &SessionId,
    ) -> StoreResult<Vec<SessionId>> {
        let (user, keep) = (user.clone(), keep.clone());
        self.writer
            .write(move |ctx| users::revoke_others(ctx, &user, &keep))
            .await
    }

    async fn revoked_since(&self, since: i64) -> StoreResult<Vec<SessionId>> {
        self.read(move |c| users::revoked_since(c, since)).await
    }

    async fn touch_session(&self, session: &SessionId, now: i64) -> StoreResult<()> {
        let session = session.clone();
        self.writer
            .write(move |ctx| users::touch(ctx.conn, &session, now))
            .await
    }

    async fn create_conversation(
        &self,
        actor: &UserId,
        kind: ConversationKind,
        title: Option<String>,
        member_ids: Vec<UserId>,
    ) -> StoreResult<(Conversation, bool)> {
        let actor = actor.clone();
        self.writer
            .write(move |ctx| conversations::create(ctx, &actor, kind, title, member_ids))
            .await
    }

    async fn conversations(
        &self,
        actor: &UserId,
        before: Option<ListCursor>,
        limit: i64,
    ) -> StoreResult<(Vec<Conversation>, Option<ListCursor>)> {
        let actor = actor.clone();
        self.read(move |c| conversations::list(c, &actor, before.as_ref(), limit))
            .await
    }

    async fn conversation(&self, actor: &UserId, id: &ConversationId) -> StoreResult<Conversation> {
        let (actor, id) = (actor.clone(), id.clone());
        self.read(move |c| {
            conversations::require_member(c, &id, &actor)?;
            conversations::load(c, &id, Some(&actor))
        })
        .await
    }

    async fn set_title(
        &self,
        actor: &UserId,
        id: &ConversationId,
        title: String,
    ) -> StoreResult<Conversation> {
        let (actor, id) = (actor.clone(), id.clone());
        self.writer
            .write(move |ctx| conversations::set_title(ctx, &actor, &id, title))
            .await
    }

    async fn add_member(
        &self,
        actor: &UserId,
        id: &ConversationId,
        user: &UserId,
    ) -> StoreResult<Conversation> {
        let (actor, id, user) = (actor.clone(), id.clone(), user.clone());
        self.writer
            .write(move |ctx| conversations::add_member(ctx, &actor, &id, &user))
            .await
    }

    async fn remove_member(
        &self,
        actor: &UserId,
        id: &ConversationId,
        user: &UserId,
    ) -> StoreResult<()> {
        let (actor, id, user) = (actor.clone(), id.clone(), user.clone());
        self.writer
            .write(move |ctx| conversations::remove_member(ctx, &actor, &id, &user))
            .await
    }

    async fn member_ids(&self, actor: &UserId, id: &ConversationId) -> StoreResult<Vec<UserId>> {
        let (actor, id) = (actor.clone(), id.clone());
        self.read(move |c| {
            conversations::require_member(c, &id, &actor)?;
            conversations::member_ids(c, &id)
        })
        .await
    }

    async fn send_message(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        message: NewMessage,
    ) -> StoreResult<(Message, bool)> {
        let (actor, conversation) = (actor.clone(), conversation.clone());
        // Fast path for a retried send: answer from a reader without queueing a write.
        let (a, c, client_id) = (actor.clone(), conversation.clone(), message.client_id);
        if let Some(existing) = self
            .read(move |conn| messages::by_client_id(conn, &a, &c, client_id))
            .await?
        {
            return Ok((existing, false));
        }
        self.writer
            .write(move |ctx| messages::send(ctx, &actor, &conversation, message))
            .await
    }

    async fn submit_message(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        message: NewMessage,
    ) -> StoreResult<Ticket<(Message, bool)>> {
        let (actor, conversation) = (actor.clone(), conversation.clone());
        self.writer
            .submit(move |ctx| messages::send(ctx, &actor, &conversation, message))
            .await
    }

    async fn messages(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        page: Page,
        limit: i64,
    ) -> StoreResult<(Vec<Message>, bool)> {
        let (actor, conversation) = (actor.clone(), conversation.clone());
        self.read(move |c| {
            conversations::require_member(c, &conversation, &actor)?;
            messages::page(c, &conversation, page, limit)
        })
        .await
    }

    async fn edit_message(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        message: &MessageId,
        body: String,
    ) -> StoreResult<Message> {
        let (actor, conversation, message) = (actor.clone(), conversation.clone(), message.clone());
        self.writer
            .write(move |ctx| messages::edit(ctx, &actor, &conversation, &message, body))
            .await
    }

    async fn delete_message(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> StoreResult<()> {
        let (actor, conversation, message) = (actor.clone(), conversation.clone(), message.clone());
        self.writer
            .write(move |ctx| messages::delete(ctx, &actor, &conversation, &message))
            .await
    }

    async fn set_reaction(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        message: &MessageId,
        emoji: String,
        present: bool,
    ) -> StoreResult<()> {
        let (actor, conversation, message) = (actor.clone(), conversation.clone(), message.clone());
        self.writer
            .write(move |ctx| {
                messages::set_reaction(ctx, &actor, &conversation, &message, &emoji, present)
            })
            .await
    }

    async fn mark_read(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        seq: i64,
    ) -> StoreResult<()> {
        let (actor, conversation) = (actor.clone(), conversation.clone());
        self.writer
            .write(move |ctx| conversations::mark_read(ctx, &actor, &conversation, seq))
            .await
    }

    async fn search(
        &self,
        actor: &UserId,
        query: &str,
        conversation: Option<&ConversationId>,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        let (actor, query, conversation) = (actor.clone(), query.to_owned(), conversation.cloned());
        self.read(move |c| messages::search(c, &actor, &query, conversation.as_ref(), limit))
            .await
    }

    async fn insert_attachment(
        &self,
        attachment: NewAttachment,
        quota: u64,
    ) -> StoreResult<(Attachment, bool)> {
        self.writer
            .write(move |ctx| attachments::insert(ctx, &attachment, quota))
            .await
    }

    async fn attachment_by_client_id(
        &self,
        uploader: &UserId,
        client_id: uuid::Uuid,
    ) -> StoreResult<Option<Attachment>> {
        let uploader = uploader.clone();
        self.read(move |c| attachments::by_client_id(c, &uploader, client_id))
            .await
    }

    async fn attachment_bytes(&self, uploader: &UserId) -> StoreResult<u64> {
        let uploader = uploader.clone();
        self.read(move |c| attachments::bytes_of(c, &uploader))
            .await
    }

    async fn sweep_unattached(&self, before: i64) -> StoreResult<Vec<String>> {
        self.writer
            .write(move |ctx| attachments::sweep(ctx, before))
            .await
    }

    async fn blob_in_use(&self, sha256: &str) -> StoreResult<bool> {
        let sha256 = sha256.to_owned();
        self.read(move |c| attachments::blob_in_use(c, &sha256))
            .await
    }

    async fn attachment(&self, actor: &UserId, id: &AttachmentId) -> StoreResult<Attachment> {
        let (actor, id) = (actor.clone(), id.clone());
        self.read(move |c| attachments::visible(c, &actor, &id))
            .await
    }

    async fn events_since(
        &self,
        user: &UserId,
        since: i64,
        limit: i64,
    ) -> StoreResult<(Vec<StoredEvent>, bool)> {
        let user = user.clone();
        self.read(move |c| conversations::events_since(c, &user, since, limit))
            .await
    }

    async fn latest_event_id(&self) -> StoreResult<i64> {
        self.read(|c| {
            c.query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))
                .map_err(sql_err)
        })
        .await
    }

    async fn message_count(&self) -> StoreResult<i64> {
        self.read(|c| {
            c.query_row("SELECT COALESCE(MAX(rowid), 0) FROM messages", [], |r| {
                r.get(0)
            })
            .map_err(sql_err)
        })
        .await
    }
}

/// Creates `dir` (and parents) readable by this user only (0700 on Unix); an existing
/// directory is left as the operator set it.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates `path` empty and readable by this user only (0600 on Unix) unless it exists.
/// SQLite gives the `-wal` and `-shm` files the database file's mode, so they follow.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// An online, consistent copy through SQLite's backup API (readers and the writer carry on).
/// The copy is readable by this user only, like the database.
pub fn backup_file(src: &Path, dest: &Path) -> StoreResult<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    if let Err(e) = options.open(dest) {
        return Err(if e.kind() == std::io::ErrorKind::AlreadyExists {
            StoreError::Conflict(format!("{} already exists", dest.display()))
        } else {
            StoreError::Other(format!("cannot create {}: {e}", dest.display()))
        });
    }
    let from =
        Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(sql_err)?;
    from.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(sql_err)?;
    let mut to = Connection::open(dest).map_err(sql_err)?;
    let backup = rusqlite::backup::Backup::new(&from, &mut to).map_err(sql_err)?;
    backup
        .run_to_completion(256, std::time::Duration::from_millis(10), None)
        .map_err(sql_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}
