//! The local SQLite cache of one account: what the app shows with no network at all.
//!
//! One file per account (WAL, migrations embedded, see `connection.rs`). The server is the
//! source of truth; the cache holds what it has seen of it plus what only exists here (the
//! outbox). Writers:
//!
//! - REST answers go in through [`Cache::upsert_conversation`], [`Cache::upsert_messages`] and
//!   [`Cache::upsert_users`];
//! - the event stream (sync pages and WebSocket) through [`Cache::apply_events`], which applies
//!   a batch and stores its cursor in one transaction, so a crash can never store a cursor
//!   past events that were not applied (or apply events without moving the cursor, which is
//!   harmless: applying is idempotent);
//! - the composer and the sending task through the `outbox_*` methods, and the files going
//!   with outbox entries through the `staged_*` methods;
//! - the account's own read marker and settings through the `change_*` methods, and its edits,
//!   deletions and reactions through the `message_change_*` methods: applied here at once,
//!   queued for the server, and kept in force over REST answers and events until it
//!   acknowledges them.
//!
//! One module per table area; each adds its methods to [`Cache`] and keeps its SQL to itself.
//! Every write goes through one helper, `Cache::with_tx`.
//!
//! Decision (2026-11-25): when the account leaves or is removed from a conversation, the
//! conversation is kept and marked left: it disappears from [`Cache::conversations`] and from
//! searches across all conversations, but [`Cache::conversation`] and [`Cache::messages`] still
//! read it (the person saw those messages; Signal and Element keep them too). Being added again
//! clears the mark.

mod changes;
mod columns;
mod connection;
mod conversations;
mod error;
mod events;
mod members;
mod message_changes;
mod messages;
mod model;
mod outbox;
mod read_markers;
mod resolve;
mod search;
mod staged;
mod sync_state;
mod users;

use std::path::{Path, PathBuf};

use parley_protocol::UserId;
use rusqlite::{Connection, Transaction, TransactionBehavior};

pub use changes::{ChangeKind, PendingChange};
pub use error::{CacheError, CacheResult};
pub use message_changes::{MessageChangeKind, PendingMessageChange};
pub use model::{
    AppliedSummary, CachedConversation, CachedMessage, Delivery, OutboxEntry, OutboxState, Page,
    StagedAttachment, StagedUpload, UnsentChanges,
};

/// An open cache file. Not `Sync`: share it behind a mutex, or keep it on one thread.
pub struct Cache {
    conn: Connection,
    path: PathBuf,
    /// The account's own user id, once known (see [`Cache::set_own_user`]); decides what
    /// counts as unread and which `member.removed` means "you left".
    own_user: Option<UserId>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("path", &self.path)
            .field("own_user", &self.own_user)
            .finish_non_exhaustive()
    }
}

impl Cache {
    /// Opens the cache at `path`, creating the file (and its directory) if needed and bringing
    /// its schema up to date.
    ///
    /// A file that cannot be read as a Parley cache is reported as [`CacheError::Corrupt`] and
    /// left untouched: it may hold unsent messages, so deciding to throw it away is the user's.
    pub fn open(path: impl AsRef<Path>) -> CacheResult<Cache> {
        let path = path.as_ref().to_owned();
        let conn = connection::open(&path)?;
        let own_user = sync_state::get(&conn, sync_state::OWN_USER)?.map(UserId::new);
        Ok(Cache {
            conn,
            path,
            own_user,
        })
    }

    /// The file this cache lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one IMMEDIATE transaction (the write lock is taken up front, so two
    /// processes on one file wait for each other instead of failing to upgrade a read lock),
    /// committing when it returns `Ok` and rolling back otherwise.
    pub(crate) fn with_tx<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> CacheResult<T>,
    ) -> CacheResult<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}
