//! The `messages` table: every message the account has seen, keyed by `(conversation, seq)`,
//! with reactions and attachments as JSON columns in wire shape.
//!
//! Upserts never go backwards: a tombstone is final, and an edit only replaces text when its
//! `edited_at` is not older than what is stored, so a stale REST page fetched after newer
//! events cannot undo an edit or a deletion. (Reactions have no timestamp; a stale page can
//! briefly show old reactions until the next event or page corrects them.)

use parley_protocol::{ConversationId, Message, MessageId, Reaction, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{
    Cache, CacheResult, CachedMessage, Delivery, Page,
    columns::{from_json, micros, opt_time, time, to_json, uuid},
    message_changes, outbox, staged,
};

const COLUMNS: &str = "id, conversation_id, sender_id, client_id, seq, body, reply_to, \
                       created_at, edited_at, deleted, reactions, attachments, mentions";

/// [`COLUMNS`] qualified, for queries that join (e.g. with the FTS table, which has a `body`
/// too), in the order [`from_row`] reads them.
pub(super) const SELECT: &str = "messages.id, messages.conversation_id, messages.sender_id, \
     messages.client_id, messages.seq, messages.body, messages.reply_to, messages.created_at, \
     messages.edited_at, messages.deleted, messages.reactions, messages.attachments, \
     messages.mentions";

/// How much of an incoming copy of a message to trust, by where it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Source {
    /// A full snapshot (a REST page, a send's answer): replaces the stored copy unless that
    /// is a tombstone or has a newer edit.
    Snapshot,
    /// A copy that may be older than what is stored and says nothing new about an existing
    /// message (`message.created`, a conversation event's `last_message`): only inserts.
    Insert,
    /// `message.edited`: replaces the text if the edit is strictly newer, keeps the stored
    /// reactions (reaction events keep those current).
    Edit,
}

/// What an upsert did, so event handling can adjust unread counts exactly once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Already stored as given (or the stored copy is newer).
    Unchanged,
    Inserted,
    /// Changed; `now_deleted` when this update turned it into a tombstone.
    Updated {
        now_deleted: bool,
    },
}

pub(super) fn from_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: MessageId::new(row.get::<_, String>(0)?),
        conversation_id: ConversationId::new(row.get::<_, String>(1)?),
        sender_id: UserId::new(row.get::<_, String>(2)?),
        client_id: uuid(3, &row.get::<_, String>(3)?)?,
        seq: row.get(4)?,
        body: row.get(5)?,
        reply_to: row.get::<_, Option<String>>(6)?.map(MessageId::new),
        created_at: time(row.get(7)?),
        edited_at: opt_time(row.get(8)?),
        deleted: row.get(9)?,
        reactions: from_json(10, &row.get::<_, String>(10)?)?,
        attachments: from_json(11, &row.get::<_, String>(11)?)?,
        mentions: from_json(12, &row.get::<_, String>(12)?)?,
    })
}

/// Stores `m` as far as `source` allows (a tombstone is final whatever the source), and
/// settles the outbox entry with the same `client_id`, if any: the server has the message now.
pub(super) fn upsert(conn: &Connection, m: &Message, source: Source) -> CacheResult<Outcome> {
    outbox::settle(conn, m.client_id)?;
    let stored_deleted: Option<bool> = conn
        .prepare_cached("SELECT deleted FROM messages WHERE id = ?1")?
        .query_row([m.id.as_str()], |r| r.get(0))
        .optional()?;
    let outcome = match (stored_deleted, source) {
        (None, _) => insert(conn, m)?,
        (Some(true), _) | (Some(false), Source::Insert) => Outcome::Unchanged,
        (Some(false), Source::Edit) if !m.deleted => edit(conn, m)?,
        (Some(false), _) => replace(conn, m)?,
    };
    if outcome != Outcome::Unchanged {
        // What this device changed and the server has not acknowledged yet stays in force.
        message_changes::reapply(conn, &m.id)?;
    }
    Ok(outcome)
}

/// True when `m` is older than every cached message of its conversation (so not cached).
pub(super) fn is_before_window(conn: &Connection, m: &Message) -> CacheResult<bool> {
    let lowest: Option<i64> = conn
        .prepare_cached("SELECT MIN(seq) FROM messages WHERE conversation_id = ?1")?
        .query_row([m.conversation_id.as_str()], |r| r.get(0))?;
    Ok(lowest.is_some_and(|lowest| m.seq < lowest))
}

/// The stored form of the mutable columns. The contract says tombstones carry no text,
/// reactions or attachments; enforce it so the search index can never match a deleted message.
fn stored_form(m: &Message) -> CacheResult<(String, String, String, String)> {
    Ok(if m.deleted {
        (
            String::new(),
            "[]".to_owned(),
            "[]".to_owned(),
            "[]".to_owned(),
        )
    } else {
        (
            m.body.clone(),
            to_json(&m.reactions)?,
            to_json(&m.attachments)?,
            to_json(&m.mentions)?,
        )
    })
}

fn insert(conn: &Connection, m: &Message) -> CacheResult<Outcome> {
    let (body, reactions, attachments, mentions) = stored_form(m)?;
    conn.prepare_cached(&format!(
        "INSERT INTO messages ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    ))?
    .execute(params![
        m.id.as_str(),
        m.conversation_id.as_str(),
        m.sender_id.as_str(),
        m.client_id.to_string(),
        m.seq,
        body,
        m.reply_to.as_ref().map(MessageId::as_str),
        micros(m.created_at),
        m.edited_at.map(micros),
        m.deleted,
        reactions,
        attachments,
        mentions,
    ])?;
    staged::remember(conn, &m.attachments)?;
    Ok(Outcome::Inserted)
}

fn replace(conn: &Connection, m: &Message) -> CacheResult<Outcome> {
    let changed = write(
        conn,
        m,
        "AND (?5 OR COALESCE(?4, 0) >= COALESCE(edited_at, 0))
         AND (body IS NOT ?2 OR reply_to IS NOT ?3 OR edited_at IS NOT ?4
              OR deleted IS NOT ?5 OR reactions IS NOT ?6 OR attachments IS NOT ?7
              OR mentions IS NOT ?8)",
    )?;
    Ok(match changed {
        0 => Outcome::Unchanged,
        _ => Outcome::Updated {
            now_deleted: m.deleted,
        },
    })
}

/// Writes every mutable column of `m` where `guard` (SQL after `WHERE id = ?1`) allows.
/// How many rows changed.
fn write(conn: &Connection, m: &Message, guard: &str) -> CacheResult<usize> {
    let (body, reactions, attachments, mentions) = stored_form(m)?;
    staged::remember(conn, &m.attachments)?;
    Ok(conn
        .prepare_cached(&format!(
            "UPDATE messages SET body = ?2, reply_to = ?3, edited_at = ?4, deleted = ?5,
                 reactions = ?6, attachments = ?7, mentions = ?8
             WHERE id = ?1 {guard}"
        ))?
        .execute(params![
            m.id.as_str(),
            body,
            m.reply_to.as_ref().map(MessageId::as_str),
            m.edited_at.map(micros),
            m.deleted,
            reactions,
            attachments,
            mentions
        ])?)
}

fn edit(conn: &Connection, m: &Message) -> CacheResult<Outcome> {
    let changed = conn
        .prepare_cached(
            "UPDATE messages SET body = ?2, edited_at = ?3, mentions = ?4
             WHERE id = ?1 AND COALESCE(?3, 0) > COALESCE(edited_at, 0)",
        )?
        .execute(params![
            m.id.as_str(),
            m.body,
            m.edited_at.map(micros),
            to_json(&m.mentions)?
        ])?;
    Ok(match changed {
        0 => Outcome::Unchanged,
        _ => Outcome::Updated { now_deleted: false },
    })
}

pub(super) fn by_id(conn: &Connection, id: &MessageId) -> rusqlite::Result<Option<Message>> {
    conn.prepare_cached(&format!("SELECT {SELECT} FROM messages WHERE id = ?1"))?
        .query_row([id.as_str()], from_row)
        .optional()
}

/// The newest cached message of a conversation.
pub(super) fn latest(
    conn: &Connection,
    conv: &ConversationId,
) -> rusqlite::Result<Option<Message>> {
    conn.prepare_cached(&format!(
        "SELECT {SELECT} FROM messages WHERE conversation_id = ?1 ORDER BY seq DESC LIMIT 1"
    ))?
    .query_row([conv.as_str()], from_row)
    .optional()
}

/// `reactions` with `user`'s `emoji` reaction added (`on`) or taken back, counts recomputed
/// and empty reactions dropped.
pub(super) fn toggle_reaction(reactions: &mut Vec<Reaction>, emoji: &str, user: &UserId, on: bool) {
    match reactions.iter_mut().find(|r| r.emoji == emoji) {
        Some(r) if on && !r.user_ids.contains(user) => r.user_ids.push(user.clone()),
        Some(r) if !on => r.user_ids.retain(|u| u != user),
        Some(_) => {}
        None if on => reactions.push(Reaction {
            emoji: emoji.to_owned(),
            count: 0,
            user_ids: vec![user.clone()],
        }),
        None => {}
    }
    reactions.retain(|r| !r.user_ids.is_empty());
    for r in reactions {
        r.count = i64::try_from(r.user_ids.len()).unwrap_or(i64::MAX);
    }
}

/// Turns a message into a tombstone (no text, reactions, attachments or mentions). True if
/// it was not one already.
pub(super) fn tombstone(conn: &Connection, id: &MessageId) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE messages SET deleted = 1, body = '', reactions = '[]', attachments = '[]',
                 mentions = '[]'
             WHERE id = ?1 AND NOT deleted",
        )?
        .execute([id.as_str()])?;
    Ok(changed > 0)
}

/// Replaces the text of a message that is not a tombstone, leaving `edited_at` to the
/// server. True if it changed.
pub(super) fn set_body(conn: &Connection, id: &MessageId, body: &str) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE messages SET body = ?2 WHERE id = ?1 AND NOT deleted AND body IS NOT ?2",
        )?
        .execute(params![id.as_str(), body])?;
    Ok(changed > 0)
}

/// Stores the server's copy of `m` whatever is stored, tombstone included: only for a copy
/// fetched right after the server refused a change made here, which is the truth then.
pub(super) fn overwrite(conn: &Connection, m: &Message) -> CacheResult<()> {
    write(conn, m, "")?;
    Ok(())
}

/// Replaces a message's reactions (callers recompute the list).
pub(super) fn set_reactions(
    conn: &Connection,
    id: &MessageId,
    reactions: &[Reaction],
) -> CacheResult<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE messages SET reactions = ?2 WHERE id = ?1 AND NOT deleted AND reactions IS NOT ?2",
        )?
        .execute(params![id.as_str(), to_json(&reactions)?])?;
    Ok(changed > 0)
}

/// Messages that count as unread for `own` in `seq` range `(after, up_to]`: other people's,
/// not deleted.
pub(super) fn count_unread(
    conn: &Connection,
    conv: &ConversationId,
    own: Option<&UserId>,
    after: i64,
    up_to: i64,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM messages
         WHERE conversation_id = ?1 AND seq > ?2 AND seq <= ?3 AND NOT deleted
           AND sender_id IS NOT ?4",
    )?
    .query_row(
        params![conv.as_str(), after, up_to, own.map(UserId::as_str)],
        |r| r.get(0),
    )
}

/// Of those, the ones that mention `own`.
pub(super) fn count_mentions(
    conn: &Connection,
    conv: &ConversationId,
    own: Option<&UserId>,
    after: i64,
    up_to: i64,
) -> rusqlite::Result<i64> {
    let Some(own) = own else { return Ok(0) };
    conn.prepare_cached(
        "SELECT COUNT(*) FROM messages
         WHERE conversation_id = ?1 AND seq > ?2 AND seq <= ?3 AND NOT deleted
           AND sender_id IS NOT ?4
           AND EXISTS (SELECT 1 FROM json_each(messages.mentions) WHERE value = ?4)",
    )?
    .query_row(params![conv.as_str(), after, up_to, own.as_str()], |r| {
        r.get(0)
    })
}

fn page(
    conn: &Connection,
    conv: &ConversationId,
    which: Page,
    limit: usize,
) -> rusqlite::Result<Vec<Message>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    // Newest-first pages are read backwards from their bound, then turned around.
    let (filter, newest_first, bound) = match which {
        Page::Latest => ("seq < ?3", true, i64::MAX),
        Page::Before(seq) => ("seq < ?3", true, seq),
        Page::After(seq) => ("seq > ?3", false, seq),
    };
    let order = if newest_first { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {SELECT} FROM messages WHERE conversation_id = ?1 AND {filter}
         ORDER BY seq {order} LIMIT ?2"
    );
    let mut rows = conn
        .prepare_cached(&sql)?
        .query_map(params![conv.as_str(), limit, bound], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if newest_first {
        rows.reverse();
    }
    Ok(rows)
}

impl Cache {
    /// Stores messages from a REST page (history, gap filling, a send's answer). Does not touch
    /// unread counts: only events describe something new.
    pub fn upsert_messages(&mut self, messages: &[Message]) -> CacheResult<()> {
        self.with_tx(|tx| {
            for m in messages {
                upsert(tx, m, Source::Snapshot)?;
            }
            Ok(())
        })
    }

    /// One page of a conversation, oldest first. Sent messages come first; what is still in
    /// the outbox follows them on the last page (`Latest`, or an `After` page that reached
    /// the newest sent message), in the order it was composed. `limit` counts sent messages.
    pub fn messages(
        &self,
        conv: &ConversationId,
        which: Page,
        limit: usize,
    ) -> CacheResult<Vec<CachedMessage>> {
        let sent = page(&self.conn, conv, which, limit)?;
        let reached_end = match which {
            Page::Latest => true,
            Page::Before(_) => false,
            Page::After(_) => sent.len() < limit,
        };
        let mut unsent = message_changes::unsent_in(&self.conn, conv)?;
        let mut out: Vec<CachedMessage> = sent
            .into_iter()
            .map(|message| CachedMessage {
                unsent: unsent.remove(&message.id),
                message,
                delivery: Delivery::Sent,
            })
            .collect();
        if reached_end {
            let own = self.own_user.clone().unwrap_or_else(|| UserId::new(""));
            for entry in outbox::for_conversation(&self.conn, conv)? {
                out.push(entry.into_cached(&own));
            }
        }
        Ok(out)
    }

    /// A cached (sent) message.
    pub fn message(&self, id: &MessageId) -> CacheResult<Option<Message>> {
        Ok(by_id(&self.conn, id)?)
    }

    /// The `seq` ranges (inclusive) missing between the lowest and the highest cached message
    /// of a conversation, oldest first: what gap filling should fetch.
    pub fn seq_gaps(&self, conv: &ConversationId) -> CacheResult<Vec<(i64, i64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq + 1, next - 1 FROM (
                 SELECT seq, LEAD(seq) OVER (ORDER BY seq) AS next
                 FROM messages WHERE conversation_id = ?1)
             WHERE next > seq + 1 ORDER BY seq",
        )?;
        let gaps = stmt
            .query_map([conv.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(gaps)
    }
}
