//! The `pending_message_changes` table: edits, deletions and reactions made on this device
//! and not yet acknowledged by the server.
//!
//! Like the account's own read marker and settings (`changes.rs`), a change is written into
//! the cached message at once — the message view, search and the list's preview all show it
//! offline — and queued: one row per message, kind and emoji, so a newer edit replaces the
//! older one, toggling a reaction again replaces the earlier toggle, and a deletion replaces
//! every other change of its message. The outbox task sends them in the order they were made.
//! Until the server acknowledges one, whatever rewrites the message (a REST page, an event)
//! is followed by [`reapply`], so an older copy cannot undo it. (A local tombstone needs no
//! reapplying: nothing but [`Cache::message_change_refused`] turns a tombstone back.)

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use parley_protocol::{ConversationId, Message, MessageId, UserId, limits};
use rusqlite::{Connection, params};

use super::{
    AppliedSummary, Cache, CacheError, CacheResult, UnsentChanges,
    columns::micros,
    conversations, messages,
    sync_state::{self, OWN_USER},
};

/// What a pending message change does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageChangeKind {
    /// The new text (the sender's own messages only).
    Edit { body: String },
    /// Delete for everyone (the sender's, or any in a group the account administers).
    Delete,
    /// The account's reaction `emoji` added (`on`) or taken back.
    React { emoji: String, on: bool },
}

impl MessageChangeKind {
    /// The stored `kind`, `key` and `payload`.
    fn columns(&self) -> (&'static str, &str, &str) {
        match self {
            Self::Edit { body } => ("edit", "", body),
            Self::Delete => ("delete", "", ""),
            Self::React { emoji, on } => ("react", emoji, if *on { "on" } else { "off" }),
        }
    }

    fn parse(kind: &str, key: String, payload: String) -> Option<Self> {
        match kind {
            "edit" => Some(Self::Edit { body: payload }),
            "delete" => Some(Self::Delete),
            "react" => Some(Self::React {
                emoji: key,
                on: payload == "on",
            }),
            _ => None,
        }
    }
}

/// A message change waiting for the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingMessageChange {
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub change: MessageChangeKind,
    pub attempts: i64,
}

impl PendingMessageChange {
    /// Matches this exact change: one queued again meanwhile (a newer edit, the reaction
    /// toggled back) has another payload and stays.
    const WHERE: &'static str = "message_id = ?1 AND kind = ?2 AND key = ?3 AND payload = ?4";

    fn forget(&self, conn: &Connection) -> rusqlite::Result<()> {
        let (kind, key, payload) = self.change.columns();
        conn.prepare_cached(&format!(
            "DELETE FROM pending_message_changes WHERE {}",
            Self::WHERE
        ))?
        .execute(params![self.message_id.as_str(), kind, key, payload])?;
        Ok(())
    }

    fn retry_at(&self, conn: &Connection, at: DateTime<Utc>) -> rusqlite::Result<()> {
        let (kind, key, payload) = self.change.columns();
        conn.prepare_cached(&format!(
            "UPDATE pending_message_changes SET attempts = attempts + 1, next_attempt_at = ?5
             WHERE {}",
            Self::WHERE
        ))?
        .execute(params![
            self.message_id.as_str(),
            kind,
            key,
            payload,
            micros(at)
        ])?;
        Ok(())
    }
}

fn own_user(conn: &Connection) -> rusqlite::Result<Option<UserId>> {
    Ok(sync_state::get(conn, OWN_USER)?.map(UserId::new))
}

/// Writes `change` into the cached message. True if the message changed.
fn apply(
    conn: &Connection,
    id: &MessageId,
    own: Option<&UserId>,
    change: &MessageChangeKind,
) -> CacheResult<bool> {
    match change {
        MessageChangeKind::Edit { body } => Ok(messages::set_body(conn, id, body)?),
        MessageChangeKind::Delete => Ok(messages::tombstone(conn, id)?),
        MessageChangeKind::React { emoji, on } => {
            let (Some(own), Some(mut m)) = (own, messages::by_id(conn, id)?) else {
                return Ok(false);
            };
            messages::toggle_reaction(&mut m.reactions, emoji, own, *on);
            messages::set_reactions(conn, id, &m.reactions)
        }
    }
}

/// Puts this message's pending changes back over a copy just stored.
pub(super) fn reapply(conn: &Connection, id: &MessageId) -> CacheResult<()> {
    let pending = conn
        .prepare_cached(
            "SELECT kind, key, payload FROM pending_message_changes
             WHERE message_id = ?1 ORDER BY queued",
        )?
        .query_map([id.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<Vec<(String, String, String)>>>()?;
    if pending.is_empty() {
        return Ok(());
    }
    let own = own_user(conn)?;
    for (kind, key, payload) in pending {
        if let Some(change) = MessageChangeKind::parse(&kind, key, payload) {
            apply(conn, id, own.as_ref(), &change)?;
        }
    }
    Ok(())
}

/// What is still unsent of each message of a conversation that has anything unsent.
pub(super) fn unsent_in(
    conn: &Connection,
    conv: &ConversationId,
) -> rusqlite::Result<HashMap<MessageId, UnsentChanges>> {
    let mut out: HashMap<MessageId, UnsentChanges> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT message_id, kind, key FROM pending_message_changes
         WHERE conversation_id = ?1 ORDER BY queued",
    )?;
    let rows = stmt.query_map([conv.as_str()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
    })?;
    for row in rows {
        let (id, kind, key) = row?;
        let unsent = out.entry(MessageId::new(id)).or_default();
        match kind.as_str() {
            "edit" => unsent.edit = true,
            "delete" => unsent.delete = true,
            _ => unsent.reactions.push(key),
        }
    }
    Ok(out)
}

impl Cache {
    /// Writes `change` into the cached message and queues it for the server. The message
    /// must be cached and sent; an edit must be of the account's own message and a valid body;
    /// nothing but a deletion's refusal brings a deleted message back, so a deleted message
    /// takes no change. The summary names the message (and its conversation when the list row
    /// changed).
    pub fn message_change_queue(
        &mut self,
        conv: &ConversationId,
        id: &MessageId,
        change: MessageChangeKind,
    ) -> CacheResult<AppliedSummary> {
        match &change {
            MessageChangeKind::Edit { body } => limits::validate_body(body)?,
            MessageChangeKind::React { emoji, .. } => limits::validate_emoji(emoji)?,
            MessageChangeKind::Delete => {}
        }
        let own = self.own_user.clone();
        self.with_tx(|tx| {
            let message = messages::by_id(tx, id)?
                .filter(|m| &m.conversation_id == conv)
                .ok_or_else(|| CacheError::UnknownMessage(id.clone()))?;
            match conversations::left(tx, conv)? {
                None => return Err(CacheError::UnknownConversation(conv.clone())),
                Some(true) => return Err(CacheError::LeftConversation(conv.clone())),
                Some(false) => {}
            }
            if message.deleted {
                return Err(CacheError::MessageDeleted(id.clone()));
            }
            if matches!(change, MessageChangeKind::Edit { .. })
                && own.as_ref() != Some(&message.sender_id)
            {
                return Err(CacheError::NotYourMessage(id.clone()));
            }
            let before = conversations::snapshot(tx, conv)?;
            if change == MessageChangeKind::Delete {
                // Whatever else was pending for it is moot now.
                tx.prepare_cached("DELETE FROM pending_message_changes WHERE message_id = ?1")?
                    .execute([id.as_str()])?;
            }
            let (kind, key, payload) = change.columns();
            tx.prepare_cached(
                "INSERT INTO pending_message_changes
                     (message_id, conversation_id, kind, key, payload, queued)
                 VALUES (?1, ?2, ?3, ?4, ?5,
                         (SELECT COALESCE(MAX(queued), 0) + 1 FROM pending_message_changes))
                 ON CONFLICT (message_id, kind, key) DO UPDATE SET
                     payload = excluded.payload, queued = excluded.queued,
                     attempts = 0, next_attempt_at = NULL",
            )?
            .execute(params![id.as_str(), conv.as_str(), kind, key, payload])?;
            if apply(tx, id, own.as_ref(), &change)? && change == MessageChangeKind::Delete {
                uncount(tx, own.as_ref(), &message)?;
            }
            let mut summary = AppliedSummary::default();
            summary.message(conv, id);
            if conversations::snapshot(tx, conv)? != before {
                summary.conversations.insert(conv.clone());
            }
            Ok(summary)
        })
    }

    /// Message changes due for sending (`next_attempt_at` passed), in the order they were made.
    pub fn message_changes_due(
        &self,
        now: DateTime<Utc>,
    ) -> CacheResult<Vec<PendingMessageChange>> {
        let rows = self
            .conn
            .prepare_cached(
                "SELECT message_id, conversation_id, kind, key, payload, attempts
                 FROM pending_message_changes
                 WHERE next_attempt_at IS NULL OR next_attempt_at <= ?1
                 ORDER BY queued",
            )?
            .query_map([micros(now)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, conv, kind, key, payload, attempts)| {
                Some(PendingMessageChange {
                    message_id: MessageId::new(id),
                    conversation_id: ConversationId::new(conv),
                    change: MessageChangeKind::parse(&kind, key, payload)?,
                    attempts,
                })
            })
            .collect())
    }

    /// The server took `change`; `answer` is its copy of the message when it sent one (an
    /// edit's). Forgets the change unless it was queued anew meanwhile, and stores the copy
    /// (changes still pending stay over it).
    pub fn message_change_done(
        &mut self,
        change: &PendingMessageChange,
        answer: Option<&Message>,
    ) -> CacheResult<AppliedSummary> {
        self.with_tx(|tx| {
            change.forget(tx)?;
            if let Some(m) = answer {
                messages::upsert(tx, m, messages::Source::Snapshot)?;
            }
            let mut summary = AppliedSummary::default();
            summary.message(&change.conversation_id, &change.message_id);
            Ok(summary)
        })
    }

    /// The server refused `change` for good: forget it and, given the server's copy of the
    /// message fetched since, take that as it is (a deletion refused brings the message back)
    /// with the changes still pending over it.
    pub fn message_change_refused(
        &mut self,
        change: &PendingMessageChange,
        fresh: Option<&Message>,
    ) -> CacheResult<AppliedSummary> {
        self.with_tx(|tx| {
            change.forget(tx)?;
            if let Some(m) = fresh {
                messages::overwrite(tx, m)?;
                reapply(tx, &m.id)?;
            }
            let mut summary = AppliedSummary::default();
            summary.message(&change.conversation_id, &change.message_id);
            Ok(summary)
        })
    }

    /// Sending `change` failed for now: try again at `at`.
    pub fn message_change_retry_at(
        &mut self,
        change: &PendingMessageChange,
        at: DateTime<Utc>,
    ) -> CacheResult<()> {
        self.with_tx(|tx| Ok(change.retry_at(tx, at)?))
    }
}

/// A message deleted here stops counting as unread (and as a mention) at once, as its
/// `message.deleted` event would make it.
fn uncount(conn: &Connection, own: Option<&UserId>, m: &Message) -> rusqlite::Result<()> {
    let Some(last_read) = conversations::last_read_seq(conn, &m.conversation_id)? else {
        return Ok(());
    };
    if own == Some(&m.sender_id) || m.seq <= last_read {
        return Ok(());
    }
    conversations::adjust_unread(conn, &m.conversation_id, -1)?;
    if own.is_some_and(|own| m.mentions.contains(own)) {
        conversations::adjust_mentions(conn, &m.conversation_id, -1)?;
    }
    Ok(())
}
