//! Messages, reactions, attachments and search.

use parley_protocol::{
    Attachment, AttachmentId, ConversationId, EventPayload, Message, MessageId, Reaction,
    ReactionChange, Role, UserId,
    limits::{REACTIONS_PER_MESSAGE_MAX, SEARCH_TERMS_MAX},
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::{conversations, sql_err, time_of, writer::WriteCtx};
use crate::store::{NewMessage, Page, StoreError, StoreResult};

const COLUMNS: &str = "rowid, id, conversation_id, seq, sender_id, client_id, body, reply_to, created_at, edited_at, deleted";

/// A message row before its reactions and attachments are attached.
struct RawMessage {
    rowid: i64,
    message: Message,
}

fn raw(r: &Row<'_>) -> rusqlite::Result<RawMessage> {
    let client_id: String = r.get(5)?;
    Ok(RawMessage {
        rowid: r.get(0)?,
        message: Message {
            id: MessageId::new(r.get::<_, String>(1)?),
            conversation_id: ConversationId::new(r.get::<_, String>(2)?),
            seq: r.get(3)?,
            sender_id: UserId::new(r.get::<_, String>(4)?),
            client_id: Uuid::parse_str(&client_id).unwrap_or_default(),
            body: r.get(6)?,
            reply_to: r.get::<_, Option<String>>(7)?.map(MessageId::new),
            created_at: time_of(r.get(8)?),
            edited_at: r.get::<_, Option<i64>>(9)?.map(time_of),
            deleted: r.get(10)?,
            reactions: Vec::new(),
            attachments: Vec::new(),
        },
    })
}

/// Fills in reactions and attachments.
fn complete(c: &Connection, raw: RawMessage) -> StoreResult<Message> {
    let RawMessage { rowid, mut message } = raw;
    if message.deleted {
        return Ok(message);
    }
    let mut stmt = c
        .prepare_cached(
            "SELECT emoji, user_id FROM reactions WHERE message_rowid = ?1 ORDER BY created_at, emoji, user_id",
        )
        .map_err(sql_err)?;
    let rows = stmt
        .query_map([rowid], |r| {
            Ok((r.get::<_, String>(0)?, UserId::new(r.get::<_, String>(1)?)))
        })
        .map_err(sql_err)?;
    for row in rows {
        let (emoji, user) = row.map_err(sql_err)?;
        match message.reactions.iter_mut().find(|r| r.emoji == emoji) {
            Some(reaction) => {
                reaction.count += 1;
                reaction.user_ids.push(user);
            }
            None => message.reactions.push(Reaction {
                emoji,
                count: 1,
                user_ids: vec![user],
            }),
        }
    }
    let mut stmt = c
        .prepare_cached(
            "SELECT a.id, a.size, a.content_type, a.sha256, a.name FROM message_attachments ma
             JOIN attachments a ON a.id = ma.attachment_id WHERE ma.message_rowid = ?1 ORDER BY ma.position",
        )
        .map_err(sql_err)?;
    message.attachments = stmt
        .query_map([rowid], attachment_row)
        .map_err(sql_err)?
        .collect::<Result<_, _>>()
        .map_err(sql_err)?;
    Ok(message)
}

pub(super) fn attachment_row(r: &Row<'_>) -> rusqlite::Result<Attachment> {
    Ok(Attachment {
        id: AttachmentId::new(r.get::<_, String>(0)?),
        size: r.get(1)?,
        content_type: r.get(2)?,
        sha256: r.get(3)?,
        name: r.get(4)?,
    })
}

fn one(
    c: &Connection,
    sql_where: &str,
    params: impl rusqlite::Params,
) -> StoreResult<Option<Message>> {
    let raw = c
        .prepare_cached(&format!("SELECT {COLUMNS} FROM messages WHERE {sql_where}"))
        .and_then(|mut s| s.query_row(params, raw).optional())
        .map_err(sql_err)?;
    raw.map(|r| complete(c, r)).transpose()
}

pub fn by_seq(
    c: &Connection,
    conversation: &ConversationId,
    seq: i64,
) -> StoreResult<Option<Message>> {
    one(
        c,
        "conversation_id = ?1 AND seq = ?2",
        params![conversation.as_str(), seq],
    )
}

fn by_id(c: &Connection, conversation: &ConversationId, id: &MessageId) -> StoreResult<Message> {
    one(
        c,
        "conversation_id = ?1 AND id = ?2",
        params![conversation.as_str(), id.as_str()],
    )?
    .ok_or(StoreError::NotFound)
}

/// A message `actor` already sent with `client_id`. Sending the same `client_id` to another
/// conversation is a conflict, not a second message.
pub fn by_client_id(
    c: &Connection,
    actor: &UserId,
    conversation: &ConversationId,
    client_id: Uuid,
) -> StoreResult<Option<Message>> {
    let found = one(
        c,
        "sender_id = ?1 AND client_id = ?2",
        params![actor.as_str(), client_id.to_string()],
    )?;
    match found {
        Some(m) if &m.conversation_id != conversation => Err(StoreError::Conflict(
            "this client_id was already used in another conversation".to_owned(),
        )),
        other => Ok(other),
    }
}

pub fn send(
    ctx: &mut WriteCtx<'_>,
    actor: &UserId,
    conversation: &ConversationId,
    new: NewMessage,
) -> StoreResult<(Message, bool)> {
    if let Some(session) = &new.session
        && !super::users::is_live(ctx.conn, session)?
    {
        return Err(StoreError::SessionRevoked);
    }
    conversations::require_member(ctx.conn, conversation, actor)?;
    // Checked again inside the transaction: two concurrent sends of one client_id both
    // miss the reader's fast path, and only this check is serialized.
    let client_id = new.client_id.to_string();
    let seen: Option<i64> = ctx
        .conn
        .prepare_cached("SELECT 1 FROM messages WHERE sender_id = ?1 AND client_id = ?2")
        .and_then(|mut s| {
            s.query_row(params![actor.as_str(), client_id], |r| r.get(0))
                .optional()
        })
        .map_err(sql_err)?;
    if seen.is_some()
        && let Some(existing) = by_client_id(ctx.conn, actor, conversation, new.client_id)?
    {
        return Ok((existing, false));
    }
    if let Some(reply_to) = &new.reply_to
        && one(
            ctx.conn,
            "conversation_id = ?1 AND id = ?2",
            params![conversation.as_str(), reply_to.as_str()],
        )?
        .is_none()
    {
        return Err(StoreError::Invalid(
            "reply_to is not a message of this conversation".to_owned(),
        ));
    }
    let mut attachments = Vec::with_capacity(new.attachment_ids.len());
    for (i, attachment) in new.attachment_ids.iter().enumerate() {
        let found = ctx
            .conn
            .prepare_cached(
                "SELECT id, size, content_type, sha256, name FROM attachments WHERE id = ?1 AND uploader_id = ?2",
            )
            .and_then(|mut s| s.query_row([attachment.as_str(), actor.as_str()], attachment_row).optional())
            .map_err(sql_err)?;
        let Some(found) = found else {
            return Err(StoreError::Invalid(format!(
                "attachment_ids[{i}] is not an attachment you uploaded"
            )));
        };
        attachments.push(found);
    }
    let seq: i64 = ctx
        .conn
        .prepare_cached(
            "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq",
        )
        .and_then(|mut s| s.query_row([conversation.as_str()], |r| r.get(0)))
        .map_err(sql_err)?;
    let id = MessageId::new(Uuid::now_v7().to_string());
    let rowid: i64 = ctx
        .conn
        .prepare_cached(
            "INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, body, reply_to, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING rowid",
        )
        .and_then(|mut s| {
            s.query_row(
                params![
                    id.as_str(),
                    conversation.as_str(),
                    seq,
                    actor.as_str(),
                    client_id,
                    new.body,
                    new.reply_to.as_ref().map(MessageId::as_str),
                    ctx.now
                ],
                |r| r.get(0),
            )
        })
        .map_err(sql_err)?;
    for (position, attachment) in new.attachment_ids.iter().enumerate() {
        ctx.conn
            .prepare_cached("INSERT INTO message_attachments (message_rowid, position, attachment_id) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![rowid, position as i64, attachment.as_str()]))
            .map_err(sql_err)?;
    }
    // Built here rather than read back: this is the hot path, and a new message has no
    // reactions and exactly the attachments checked above.
    let message = Message {
        id,
        conversation_id: conversation.clone(),
        sender_id: actor.clone(),
        client_id: new.client_id,
        seq,
        body: new.body,
        reply_to: new.reply_to,
        created_at: time_of(ctx.now),
        edited_at: None,
        deleted: false,
        reactions: Vec::new(),
        attachments,
    };
    let recipients = conversations::member_ids(ctx.conn, conversation)?;
    ctx.emit(
        conversation,
        EventPayload::MessageCreated(message.clone()),
        recipients,
    )?;
    Ok((message, true))
}

/// A page of history in ascending `seq`, and whether more lies in the paging direction.
pub fn page(
    c: &Connection,
    conversation: &ConversationId,
    page: Page,
    limit: i64,
) -> StoreResult<(Vec<Message>, bool)> {
    let (condition, order, bound) = match page {
        Page::Latest => ("1", "DESC", 0),
        Page::Before(seq) => ("seq < ?2", "DESC", seq),
        Page::After(seq) => ("seq > ?2", "ASC", seq),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM messages WHERE conversation_id = ?1 AND {condition} AND ?2 = ?2 ORDER BY seq {order} LIMIT ?3"
    );
    let mut stmt = c.prepare_cached(&sql).map_err(sql_err)?;
    let mut rows = stmt
        .query_map(params![conversation.as_str(), bound, limit + 1], raw)
        .map_err(sql_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql_err)?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    if order == "DESC" {
        rows.reverse();
    }
    let messages = rows
        .into_iter()
        .map(|r| complete(c, r))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok((messages, has_more))
}

fn emit_message(
    ctx: &mut WriteCtx<'_>,
    conversation: &ConversationId,
    payload: EventPayload,
) -> StoreResult<()> {
    let recipients = conversations::member_ids(ctx.conn, conversation)?;
    ctx.emit(conversation, payload, recipients)?;
    Ok(())
}

pub fn edit(
    ctx: &mut WriteCtx<'_>,
    actor: &UserId,
    conversation: &ConversationId,
    id: &MessageId,
    body: String,
) -> StoreResult<Message> {
    conversations::require_member(ctx.conn, conversation, actor)?;
    let message = by_id(ctx.conn, conversation, id)?;
    if &message.sender_id != actor {
        return Err(StoreError::Forbidden(
            "only the sender may edit a message".to_owned(),
        ));
    }
    if message.deleted {
        return Err(StoreError::Conflict(
            "a deleted message cannot be edited".to_owned(),
        ));
    }
    ctx.conn
        .execute(
            "UPDATE messages SET body = ?1, edited_at = ?2 WHERE id = ?3",
            params![body, ctx.now, id.as_str()],
        )
        .map_err(sql_err)?;
    let message = by_id(ctx.conn, conversation, id)?;
    emit_message(
        ctx,
        conversation,
        EventPayload::MessageEdited(message.clone()),
    )?;
    Ok(message)
}

pub fn delete(
    ctx: &mut WriteCtx<'_>,
    actor: &UserId,
    conversation: &ConversationId,
    id: &MessageId,
) -> StoreResult<()> {
    let role = conversations::require_member(ctx.conn, conversation, actor)?;
    let message = by_id(ctx.conn, conversation, id)?;
    if &message.sender_id != actor && role != Role::Admin {
        return Err(StoreError::Forbidden(
            "only the sender or a group admin may delete a message".to_owned(),
        ));
    }
    if message.deleted {
        return Ok(());
    }
    let rowid: i64 = ctx
        .conn
        .query_row(
            "SELECT rowid FROM messages WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .map_err(sql_err)?;
    ctx.conn
        .execute("DELETE FROM reactions WHERE message_rowid = ?1", [rowid])
        .map_err(sql_err)?;
    ctx.conn
        .execute(
            "DELETE FROM message_attachments WHERE message_rowid = ?1",
            [rowid],
        )
        .map_err(sql_err)?;
    ctx.conn
        .execute(
            "UPDATE messages SET deleted = 1, body = '' WHERE rowid = ?1",
            [rowid],
        )
        .map_err(sql_err)?;
    let tombstone = by_id(ctx.conn, conversation, id)?;
    emit_message(ctx, conversation, EventPayload::MessageDeleted(tombstone))
}

pub fn set_reaction(
    ctx: &mut WriteCtx<'_>,
    actor: &UserId,
    conversation: &ConversationId,
    id: &MessageId,
    emoji: &str,
    present: bool,
) -> StoreResult<()> {
    conversations::require_member(ctx.conn, conversation, actor)?;
    let message = by_id(ctx.conn, conversation, id)?;
    if message.deleted {
        return Err(StoreError::Conflict(
            "a deleted message takes no reactions".to_owned(),
        ));
    }
    let rowid: i64 = ctx
        .conn
        .query_row(
            "SELECT rowid FROM messages WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .map_err(sql_err)?;
    if present {
        check_reaction_room(ctx.conn, rowid, emoji)?;
    }
    let changed = if present {
        ctx.conn.execute(
            "INSERT OR IGNORE INTO reactions (message_rowid, emoji, user_id, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![rowid, emoji, actor.as_str(), ctx.now],
        )
    } else {
        ctx.conn.execute(
            "DELETE FROM reactions WHERE message_rowid = ?1 AND emoji = ?2 AND user_id = ?3",
            params![rowid, emoji, actor.as_str()],
        )
    }
    .map_err(sql_err)?;
    if changed > 0 {
        let change = ReactionChange {
            message_id: id.clone(),
            emoji: emoji.to_owned(),
            user_id: actor.clone(),
        };
        let payload = if present {
            EventPayload::ReactionAdded(change)
        } else {
            EventPayload::ReactionRemoved(change)
        };
        emit_message(ctx, conversation, payload)?;
    }
    Ok(())
}

/// A new emoji on a message that already carries [`REACTIONS_PER_MESSAGE_MAX`] distinct ones
/// is refused, so no message, event or conversation list can grow without bound; joining an
/// emoji that is already there is always fine.
fn check_reaction_room(c: &Connection, rowid: i64, emoji: &str) -> StoreResult<()> {
    let (distinct, present): (i64, bool) = c
        .prepare_cached(
            "SELECT COUNT(DISTINCT emoji), COALESCE(MAX(emoji = ?2), 0) FROM reactions WHERE message_rowid = ?1",
        )
        .and_then(|mut s| s.query_row(params![rowid, emoji], |r| Ok((r.get(0)?, r.get(1)?))))
        .map_err(sql_err)?;
    if !present && distinct >= REACTIONS_PER_MESSAGE_MAX as i64 {
        return Err(StoreError::Limit {
            code: "too_many_reactions",
            message: format!(
                "a message carries at most {REACTIONS_PER_MESSAGE_MAX} different reactions"
            ),
        });
    }
    Ok(())
}

/// Turns what a person typed into an FTS5 query: each word quoted (so operators and
/// punctuation are literal) and matched as a prefix; all words must match. At most
/// [`SEARCH_TERMS_MAX`] words are used, the longest (most selective) ones, so that no query
/// makes the index merge more than a few prefix lists.
fn fts_query(input: &str) -> Option<String> {
    let mut words: Vec<&str> = Vec::new();
    for word in input.split(|c: char| !c.is_alphanumeric() && c != '_') {
        if !word.is_empty() && !words.contains(&word) {
            words.push(word);
        }
    }
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    words.truncate(SEARCH_TERMS_MAX);
    let terms: Vec<String> = words
        .iter()
        .map(|t| format!("\"{}\"*", t.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// Membership first: only messages of the caller's conversations are looked at, newest first,
/// so the work stops after `limit` hits (the index keeps prefix lists for 1 and 2 characters,
/// so short prefixes are read lazily too; migration 002).
pub fn search(
    c: &Connection,
    actor: &UserId,
    query: &str,
    conversation: Option<&ConversationId>,
    limit: i64,
) -> StoreResult<Vec<Message>> {
    let Some(fts) = fts_query(query) else {
        return Ok(Vec::new());
    };
    let mut stmt = c
        .prepare_cached(&format!(
            "SELECT {} FROM messages_fts f
             JOIN messages m ON m.rowid = f.rowid
             WHERE messages_fts MATCH ?1 AND m.deleted = 0
               AND m.conversation_id IN (SELECT conversation_id FROM members
                                         WHERE user_id = ?2 AND (?3 IS NULL OR conversation_id = ?3))
             ORDER BY f.rowid DESC LIMIT ?4",
            COLUMNS.split(", ").map(|col| format!("m.{col}")).collect::<Vec<_>>().join(", ")
        ))
        .map_err(sql_err)?;
    let rows = stmt
        .query_map(
            params![
                fts,
                actor.as_str(),
                conversation.map(ConversationId::as_str),
                limit
            ],
            raw,
        )
        .map_err(sql_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql_err)?;
    rows.into_iter().map(|r| complete(c, r)).collect()
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn user_input_never_becomes_fts_syntax() {
        assert_eq!(
            fts_query("hello world").as_deref(),
            Some("\"hello\"* \"world\"*")
        );
        assert_eq!(
            fts_query("a OR b NEAR(c)").as_deref(),
            Some("\"NEAR\"* \"OR\"* \"a\"* \"b\"* \"c\"*")
        );
        assert_eq!(fts_query("\"*:^-"), None);
        assert_eq!(fts_query("it's").as_deref(), Some("\"it\"* \"s\"*"));
        let many: String = ('a'..='z').map(|c| format!("{c} ")).collect();
        let bounded = fts_query(&format!("{many} longest")).unwrap();
        assert_eq!(
            bounded.matches('*').count(),
            super::SEARCH_TERMS_MAX,
            "{bounded}"
        );
        assert!(
            bounded.starts_with("\"longest\"*"),
            "the longest words are kept: {bounded}"
        );
    }
}
