//! Messages, reactions and search in SQLite.

use parley_protocol::{
    Attachment, AttachmentId, ConversationId, Message, MessageId, Reaction, UserId,
    search::fts5_match,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::{Db, sql_err, writer::SqliteTx};
use crate::{
    clock::time_of,
    store::{
        Page, StoreResult, mention_list,
        persist::{MessageReads, MessageWrites, TxCore},
    },
};

const COLUMNS: &str = "rowid, id, conversation_id, seq, sender_id, client_id, body, reply_to, created_at, edited_at, deleted, mentions";

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
            mentions: r
                .get::<_, String>(11)?
                .split_whitespace()
                .map(UserId::new)
                .collect(),
        },
    })
}

/// Fills in reactions and attachments (two indexed lookups: in-process, cheaper than a
/// batched query would be to write).
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

fn all(c: &Connection, sql: &str, params: impl rusqlite::Params) -> StoreResult<Vec<Message>> {
    let mut stmt = c.prepare_cached(sql).map_err(sql_err)?;
    let rows = stmt
        .query_map(params, raw)
        .map_err(sql_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql_err)?;
    rows.into_iter().map(|r| complete(c, r)).collect()
}

fn rowid_of(c: &Connection, id: &MessageId) -> StoreResult<i64> {
    c.prepare_cached("SELECT rowid FROM messages WHERE id = ?1")
        .and_then(|mut s| s.query_row([id.as_str()], |r| r.get(0)))
        .map_err(sql_err)
}

impl MessageReads for Db<'_> {
    fn message(
        &mut self,
        conversation: &ConversationId,
        id: &MessageId,
    ) -> StoreResult<Option<Message>> {
        one(
            self.0,
            "conversation_id = ?1 AND id = ?2",
            params![conversation.as_str(), id.as_str()],
        )
    }

    fn message_by_seq(
        &mut self,
        conversation: &ConversationId,
        seq: i64,
    ) -> StoreResult<Option<Message>> {
        one(
            self.0,
            "conversation_id = ?1 AND seq = ?2",
            params![conversation.as_str(), seq],
        )
    }

    fn message_by_client_id(
        &mut self,
        sender: &UserId,
        client_id: Uuid,
    ) -> StoreResult<Option<Message>> {
        one(
            self.0,
            "sender_id = ?1 AND client_id = ?2",
            params![sender.as_str(), client_id.to_string()],
        )
    }

    fn messages(
        &mut self,
        conversation: &ConversationId,
        page: Page,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        let (condition, order, bound) = match page {
            Page::Latest => ("1", "DESC", 0),
            Page::Before(seq) => ("seq < ?2", "DESC", seq),
            Page::After(seq) => ("seq > ?2", "ASC", seq),
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM messages WHERE conversation_id = ?1 AND {condition} AND ?2 = ?2 ORDER BY seq {order} LIMIT ?3"
        );
        let mut messages = all(self.0, &sql, params![conversation.as_str(), bound, limit])?;
        if order == "DESC" {
            messages.reverse();
        }
        Ok(messages)
    }

    fn reaction_room(&mut self, message: &MessageId, emoji: &str) -> StoreResult<(usize, bool)> {
        let rowid = rowid_of(self.0, message)?;
        self.0
            .prepare_cached(
                "SELECT COUNT(DISTINCT emoji), COALESCE(MAX(emoji = ?2), 0) FROM reactions WHERE message_rowid = ?1",
            )
            .and_then(|mut s| {
                s.query_row(params![rowid, emoji], |r| {
                    Ok((r.get::<_, i64>(0)?.max(0) as usize, r.get(1)?))
                })
            })
            .map_err(sql_err)
    }

    /// Membership first: only messages of the caller's conversations are looked at, newest
    /// first, so the work stops after `limit` hits (the index keeps prefix lists for 1 and 2
    /// characters, so short prefixes are read lazily too; migration 002).
    fn search(
        &mut self,
        user: &UserId,
        terms: &[&str],
        conversation: Option<&ConversationId>,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        let fts = fts5_match(terms);
        let columns = COLUMNS
            .split(", ")
            .map(|col| format!("m.{col}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns} FROM messages_fts f
             JOIN messages m ON m.rowid = f.rowid
             WHERE messages_fts MATCH ?1 AND m.deleted = 0
               AND m.conversation_id IN (SELECT conversation_id FROM members
                                         WHERE user_id = ?2 AND (?3 IS NULL OR conversation_id = ?3))
             ORDER BY f.rowid DESC LIMIT ?4"
        );
        all(
            self.0,
            &sql,
            params![
                fts,
                user.as_str(),
                conversation.map(ConversationId::as_str),
                limit
            ],
        )
    }

    fn message_count(&mut self) -> StoreResult<i64> {
        self.0
            .query_row("SELECT COALESCE(MAX(rowid), 0) FROM messages", [], |r| {
                r.get(0)
            })
            .map_err(sql_err)
    }
}

impl MessageWrites for SqliteTx<'_> {
    fn next_seq(&mut self, conversation: &ConversationId) -> StoreResult<i64> {
        self.conn()
            .prepare_cached(
                "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq",
            )
            .and_then(|mut s| s.query_row([conversation.as_str()], |r| r.get(0)))
            .map_err(sql_err)
    }

    fn insert_message(&mut self, m: &Message) -> StoreResult<()> {
        let conn = self.conn();
        let rowid: i64 = conn
            .prepare_cached(
                "INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, body, reply_to, created_at, mentions)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING rowid",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![
                        m.id.as_str(),
                        m.conversation_id.as_str(),
                        m.seq,
                        m.sender_id.as_str(),
                        m.client_id.to_string(),
                        m.body,
                        m.reply_to.as_ref().map(MessageId::as_str),
                        m.created_at.timestamp_millis(),
                        mention_list(&m.mentions)
                    ],
                    |r| r.get(0),
                )
            })
            .map_err(sql_err)?;
        for (position, attachment) in m.attachments.iter().enumerate() {
            conn.prepare_cached(
                "INSERT INTO message_attachments (message_rowid, position, attachment_id) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut s| s.execute(params![rowid, position as i64, attachment.id.as_str()]))
            .map_err(sql_err)?;
        }
        Ok(())
    }

    fn set_body(&mut self, id: &MessageId, body: &str, mentions: &[UserId]) -> StoreResult<()> {
        self.conn()
            .execute(
                "UPDATE messages SET body = ?1, edited_at = ?2, mentions = ?3 WHERE id = ?4",
                params![body, self.now(), mention_list(mentions), id.as_str()],
            )
            .map_err(sql_err)?;
        Ok(())
    }

    fn tombstone(&mut self, id: &MessageId) -> StoreResult<()> {
        let conn = self.conn();
        let rowid = rowid_of(conn, id)?;
        conn.execute("DELETE FROM reactions WHERE message_rowid = ?1", [rowid])
            .map_err(sql_err)?;
        conn.execute(
            "DELETE FROM message_attachments WHERE message_rowid = ?1",
            [rowid],
        )
        .map_err(sql_err)?;
        conn.execute(
            "UPDATE messages SET deleted = 1, body = '', mentions = '' WHERE rowid = ?1",
            [rowid],
        )
        .map_err(sql_err)?;
        Ok(())
    }

    fn set_reaction(
        &mut self,
        message: &MessageId,
        emoji: &str,
        user: &UserId,
        present: bool,
    ) -> StoreResult<bool> {
        let conn = self.conn();
        let rowid = rowid_of(conn, message)?;
        let changed = if present {
            conn.execute(
                "INSERT OR IGNORE INTO reactions (message_rowid, emoji, user_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![rowid, emoji, user.as_str(), self.now()],
            )
        } else {
            conn.execute(
                "DELETE FROM reactions WHERE message_rowid = ?1 AND emoji = ?2 AND user_id = ?3",
                params![rowid, emoji, user.as_str()],
            )
        }
        .map_err(sql_err)?;
        Ok(changed > 0)
    }
}
