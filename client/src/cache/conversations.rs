//! The `conversations` table: the conversation list and its per-account fields (unread
//! count, read marker, left).
//!
//! Per-account fields come from two places. A REST answer (`GET /conversations[/{id}]`) is
//! the account's own view and replaces them. A `conversation.*` event is shared by every
//! member and carries 0 for both, so events never touch them; the event handlers adjust them
//! instead (new message from someone else: +1; it gets deleted: −1; own read marker moves:
//! minus what it passed over).

use parley_protocol::{
    Conversation, ConversationId, ConversationKind, Member, Notify, Settings, UserId,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{
    AppliedSummary, Cache, CacheResult, CachedConversation, changes,
    columns::{micros, opt_time, time},
    members, messages, users,
};

/// Where a conversation's data came from, which decides whether it may set the per-account
/// fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Source {
    /// A REST answer: the account's own view.
    Rest,
    /// An event: shared by all members, per-account fields are placeholders.
    Event,
}

/// Everything the list shows, for change detection.
#[derive(Debug, PartialEq)]
pub(super) struct Snapshot {
    row: (String, Option<String>, i64, i64, i64, Option<i64>),
    own: (i64, String, Option<i64>, bool),
    members: Vec<Member>,
    last_message: Option<parley_protocol::Message>,
}

pub(super) fn snapshot(
    conn: &Connection,
    id: &ConversationId,
) -> rusqlite::Result<Option<Snapshot>> {
    let row = conn
        .prepare_cached(
            "SELECT kind, title, created_at, unread_count, last_read_seq, left_at,
                    mention_count, notify, muted_until, marked_unread
             FROM conversations WHERE id = ?1",
        )?
        .query_row([id.as_str()], |r| {
            Ok((
                (
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ),
                (r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?),
            ))
        })
        .optional()?;
    let Some((row, own)) = row else {
        return Ok(None);
    };
    Ok(Some(Snapshot {
        row,
        own,
        members: members::list(conn, id)?,
        last_message: messages::latest(conn, id)?,
    }))
}

/// Stores a conversation, its members and its last message. Returns true if the
/// conversation was not cached before.
pub(super) fn upsert(
    conn: &Connection,
    c: &Conversation,
    source: Source,
    own: Option<&UserId>,
) -> CacheResult<bool> {
    let inserted = left(conn, &c.id)?.is_none();
    let per_account = source == Source::Rest;
    let own_is_member = own.is_some_and(|own| c.members.iter().any(|m| &m.user_id == own));
    conn.prepare_cached(
        "INSERT INTO conversations (id, kind, title, created_at, unread_count, last_read_seq,
                                    mention_count, notify, muted_until, marked_unread)
         VALUES (?1, ?2, ?3, ?4, CASE WHEN ?7 THEN ?5 ELSE 0 END, CASE WHEN ?7 THEN ?6 ELSE 0 END,
                 CASE WHEN ?7 THEN ?9 ELSE 0 END, CASE WHEN ?7 THEN ?10 ELSE 'all' END,
                 CASE WHEN ?7 THEN ?11 END, ?7 AND ?12)
         ON CONFLICT (id) DO UPDATE SET
             kind = excluded.kind, title = excluded.title, created_at = excluded.created_at,
             unread_count = CASE WHEN ?7 THEN ?5 ELSE unread_count END,
             last_read_seq = CASE WHEN ?7 THEN ?6 ELSE last_read_seq END,
             mention_count = CASE WHEN ?7 THEN ?9 ELSE mention_count END,
             notify = CASE WHEN ?7 THEN ?10 ELSE notify END,
             muted_until = CASE WHEN ?7 THEN ?11 ELSE muted_until END,
             marked_unread = CASE WHEN ?7 THEN ?12 ELSE marked_unread END,
             left_at = CASE WHEN ?7 OR ?8 THEN NULL ELSE left_at END",
    )?
    .execute(params![
        c.id.as_str(),
        c.kind.as_str(),
        c.title,
        micros(c.created_at),
        c.unread_count,
        c.last_read_seq,
        per_account,
        own_is_member,
        c.mention_count,
        c.notify.as_str(),
        c.muted_until.map(micros),
        c.marked_unread,
    ])?;
    members::replace(conn, &c.id, &c.members)?;
    if per_account {
        // What this device changed and the server hasn't acknowledged yet stays in force.
        changes::reapply(conn, &c.id, own)?;
    }
    if let Some(last) = &c.last_message {
        // An event's copy may be older than the message's own later events.
        let trust = match source {
            Source::Rest => messages::Source::Snapshot,
            Source::Event => messages::Source::Insert,
        };
        messages::upsert(conn, last, trust)?;
    }
    Ok(inserted)
}

/// `Some(true)` if the account left the conversation, `None` if it is not cached.
pub(super) fn left(conn: &Connection, id: &ConversationId) -> rusqlite::Result<Option<bool>> {
    conn.prepare_cached("SELECT left_at IS NOT NULL FROM conversations WHERE id = ?1")?
        .query_row([id.as_str()], |r| r.get(0))
        .optional()
}

pub(super) fn set_left(
    conn: &Connection,
    id: &ConversationId,
    at: Option<i64>,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE conversations SET left_at = ?2 WHERE id = ?1 AND left_at IS NOT ?2",
        )?
        .execute(params![id.as_str(), at])?;
    Ok(n > 0)
}

/// The account's read marker, `None` if the conversation is not cached.
pub(super) fn last_read_seq(
    conn: &Connection,
    id: &ConversationId,
) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT last_read_seq FROM conversations WHERE id = ?1")?
        .query_row([id.as_str()], |r| r.get(0))
        .optional()
}

/// Moves the account's read marker forward to `seq` and takes what it passed over off the
/// unread count. True if it moved.
pub(super) fn advance_read(
    conn: &Connection,
    id: &ConversationId,
    own: Option<&UserId>,
    seq: i64,
) -> rusqlite::Result<bool> {
    let Some(old) = last_read_seq(conn, id)? else {
        return Ok(false);
    };
    if seq <= old {
        return Ok(false);
    }
    let passed = messages::count_unread(conn, id, own, old, seq)?;
    let mentions = messages::count_mentions(conn, id, own, old, seq)?;
    conn.prepare_cached(
        "UPDATE conversations SET last_read_seq = ?2, unread_count = MAX(0, unread_count - ?3),
                                  mention_count = MAX(0, mention_count - ?4)
         WHERE id = ?1",
    )?
    .execute(params![id.as_str(), seq, passed, mentions])?;
    Ok(true)
}

/// Adds `delta` to the mention count (never below 0).
pub(super) fn adjust_mentions(
    conn: &Connection,
    id: &ConversationId,
    delta: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE conversations SET mention_count = MAX(0, mention_count + ?2) WHERE id = ?1",
    )?
    .execute(params![id.as_str(), delta])?;
    Ok(())
}

/// The account's own notification settings (from `settings.updated`).
pub(super) fn set_settings(
    conn: &Connection,
    id: &ConversationId,
    settings: &Settings,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE conversations SET notify = ?2, muted_until = ?3, marked_unread = ?4 WHERE id = ?1",
    )?
    .execute(params![
        id.as_str(),
        settings.notify.as_str(),
        settings.muted_until.map(micros),
        settings.marked_unread,
    ])?;
    Ok(())
}

/// Adds `delta` to the unread count (never below 0).
pub(super) fn adjust_unread(
    conn: &Connection,
    id: &ConversationId,
    delta: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE conversations SET unread_count = MAX(0, unread_count + ?2) WHERE id = ?1",
    )?
    .execute(params![id.as_str(), delta])?;
    Ok(())
}

const COLUMNS: &str = "c.id, c.kind, c.title, c.created_at, c.unread_count, c.last_read_seq, \
     c.left_at, (SELECT MAX(created_at) FROM outbox o WHERE o.conversation_id = c.id), \
     c.mention_count, c.notify, c.muted_until, c.marked_unread";

/// A row plus its members, last message and display title.
fn load(
    conn: &Connection,
    own: Option<&UserId>,
    row: &Row<'_>,
) -> rusqlite::Result<CachedConversation> {
    let id = ConversationId::new(row.get::<_, String>(0)?);
    let kind = if row.get::<_, String>(1)? == "group" {
        ConversationKind::Group
    } else {
        ConversationKind::Direct
    };
    let title: Option<String> = row.get(2)?;
    let created_at = time(row.get(3)?);
    let members = members::list(conn, &id)?;
    let last_message = messages::latest(conn, &id)?;
    let last_composed = opt_time(row.get(7)?);
    let activity_at = [
        Some(created_at),
        last_message.as_ref().map(|m| m.created_at),
        last_composed,
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(created_at);
    let display_title = match &title {
        Some(t) => t.clone(),
        None => direct_title(conn, own, &members)?,
    };
    Ok(CachedConversation {
        conversation: Conversation {
            id,
            kind,
            title,
            members,
            created_at,
            last_message: last_message.map(Box::new),
            unread_count: row.get(4)?,
            last_read_seq: row.get(5)?,
            mention_count: row.get(8)?,
            notify: Notify::parse(&row.get::<_, String>(9)?),
            muted_until: opt_time(row.get(10)?),
            marked_unread: row.get(11)?,
        },
        display_title,
        left: row.get::<_, Option<i64>>(6)?.is_some(),
        activity_at,
    })
}

/// The other person's name (display name, else username, else id).
fn direct_title(
    conn: &Connection,
    own: Option<&UserId>,
    members: &[Member],
) -> rusqlite::Result<String> {
    let other = members
        .iter()
        .find(|m| Some(&m.user_id) != own)
        .or(members.first());
    let Some(other) = other else {
        return Ok("Direct conversation".to_owned());
    };
    Ok(match users::by_id(conn, &other.user_id)? {
        Some(u) if !u.display_name.trim().is_empty() => u.display_name,
        Some(u) => u.username,
        None => other.user_id.to_string(),
    })
}

impl Cache {
    /// Stores a conversation as `GET /conversations[/{id}]` returned it (the account's own
    /// view: its unread count and read marker replace the cached ones).
    pub fn upsert_conversation(&mut self, conversation: &Conversation) -> CacheResult<()> {
        let own = self.own_user.clone();
        self.with_tx(|tx| {
            upsert(tx, conversation, Source::Rest, own.as_ref())?;
            Ok(())
        })
    }

    /// Stores a conversation and a page of its messages as the server returned them, in one
    /// transaction (the first-sign-in backfill). Reports both as changed.
    pub fn store_snapshot(
        &mut self,
        conversation: &Conversation,
        page: &[parley_protocol::Message],
    ) -> CacheResult<AppliedSummary> {
        let own = self.own_user.clone();
        self.with_tx(|tx| {
            upsert(tx, conversation, Source::Rest, own.as_ref())?;
            let mut summary = AppliedSummary::default();
            summary.conversations.insert(conversation.id.clone());
            for m in page {
                messages::upsert(tx, m, messages::Source::Snapshot)?;
                summary.message(&m.conversation_id, &m.id);
            }
            Ok(summary)
        })
    }

    /// The conversations the account is in, newest activity first.
    pub fn conversations(&self) -> CacheResult<Vec<CachedConversation>> {
        let own = self.own_user.as_ref();
        let mut list = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM conversations c WHERE c.left_at IS NULL"
            ))?
            .query_map([], |row| load(&self.conn, own, row))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        list.sort_by(|a, b| {
            (b.activity_at, &b.conversation.id).cmp(&(a.activity_at, &a.conversation.id))
        });
        Ok(list)
    }

    /// One conversation, also one the account has left.
    pub fn conversation(&self, id: &ConversationId) -> CacheResult<Option<CachedConversation>> {
        let own = self.own_user.as_ref();
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM conversations c WHERE c.id = ?1"
            ))?
            .query_row([id.as_str()], |row| load(&self.conn, own, row))
            .optional()?)
    }
}
