//! The `outbox` table: the storage half of the durable send queue.
//!
//! A message is written here before any network call, with the `client_id` that makes sending
//! it idempotent on the server, so it survives the app being killed and is sent exactly once
//! (a resend after a crash returns the same message). The sending task (not in this module)
//! takes [`Cache::outbox_next`], sends it, and reports back with `outbox_mark_sent`,
//! `outbox_record_attempt` (recoverable failure: back off) or `outbox_mark_failed` (permanent:
//! the reason is shown to the user, who may retry or discard).
//!
//! An entry also leaves the outbox when the server's copy arrives by any other path (an event,
//! a page): whichever comes first settles it, the other is a no-op.

use chrono::{DateTime, Utc};
use parley_protocol::{
    Attachment, AttachmentId, ConversationId, Message, MessageId, UserId,
    limits::{ATTACHMENTS_PER_MESSAGE_MAX, Invalid, validate_send_body},
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::{
    Cache, CacheError, CacheResult, CachedMessage, Delivery, OutboxEntry, OutboxState,
    columns::{micros, opt_time, time, uuid},
    conversations, messages, staged,
};

const COLUMNS: &str = "client_id, conversation_id, body, reply_to, created_at, state, failure, attempts, next_attempt_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<OutboxEntry> {
    let state = match row.get::<_, String>(5)?.as_str() {
        "failed" => OutboxState::Failed {
            reason: row.get::<_, Option<String>>(6)?.unwrap_or_default(),
        },
        _ => OutboxState::Pending,
    };
    Ok(OutboxEntry {
        client_id: uuid(0, &row.get::<_, String>(0)?)?,
        conversation_id: ConversationId::new(row.get::<_, String>(1)?),
        body: row.get(2)?,
        reply_to: row.get::<_, Option<String>>(3)?.map(MessageId::new),
        created_at: time(row.get(4)?),
        state,
        attempts: row.get(7)?,
        next_attempt_at: opt_time(row.get(8)?),
        attachments: Vec::new(),
    })
}

/// Fills in the entries' staged files.
fn with_files(
    conn: &Connection,
    mut entries: Vec<OutboxEntry>,
) -> rusqlite::Result<Vec<OutboxEntry>> {
    for entry in &mut entries {
        entry.attachments = staged::for_entry(conn, entry.client_id)?
            .into_iter()
            .map(|s| s.file)
            .collect();
    }
    Ok(entries)
}

/// Removes the entry for `client_id`: the server has acknowledged it. True if there was one.
pub(super) fn settle(conn: &Connection, client_id: Uuid) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached("DELETE FROM outbox WHERE client_id = ?1")?
        .execute([client_id.to_string()])?;
    Ok(n > 0)
}

/// Entries matching `filter`, in send order, at most `limit` (-1: all).
fn query(
    conn: &Connection,
    filter: &str,
    limit: i64,
    args: impl rusqlite::Params,
) -> rusqlite::Result<Vec<OutboxEntry>> {
    let entries = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbox {filter} ORDER BY position LIMIT {limit}"
        ))?
        .query_map(args, from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    with_files(conn, entries)
}

fn by_client_id(conn: &Connection, client_id: Uuid) -> rusqlite::Result<Option<OutboxEntry>> {
    let entry = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE client_id = ?1"
        ))?
        .query_row([client_id.to_string()], from_row)
        .optional()?;
    Ok(with_files(conn, entry.into_iter().collect())?.pop())
}

/// Everything a conversation still has in the outbox, in send order.
pub(super) fn for_conversation(
    conn: &Connection,
    conv: &ConversationId,
) -> rusqlite::Result<Vec<OutboxEntry>> {
    query(conn, "WHERE conversation_id = ?1", -1, [conv.as_str()])
}

impl OutboxEntry {
    /// The entry as a not-yet-sent message (see [`CachedMessage`] for the local placeholders;
    /// its files show as attachments with the id `local:<staged_id>` and no hash yet).
    pub fn into_cached(self, own_user: &UserId) -> CachedMessage {
        let delivery = match self.state {
            OutboxState::Pending => Delivery::Pending,
            OutboxState::Failed { reason } => Delivery::Failed { reason },
        };
        CachedMessage {
            unsent: None,
            message: Message {
                id: MessageId::new(format!("local:{}", self.client_id)),
                conversation_id: self.conversation_id,
                sender_id: own_user.clone(),
                client_id: self.client_id,
                seq: 0,
                body: self.body,
                reply_to: self.reply_to,
                created_at: self.created_at,
                edited_at: None,
                deleted: false,
                reactions: Vec::new(),
                attachments: self
                    .attachments
                    .into_iter()
                    .map(|a| Attachment {
                        id: AttachmentId::new(format!("local:{}", a.staged_id)),
                        size: a.size,
                        content_type: a.content_type,
                        sha256: String::new(),
                        name: a.name,
                    })
                    .collect(),
                // The server reads them when it stores the message.
                mentions: Vec::new(),
            },
            delivery,
        }
    }
}

impl Cache {
    /// Queues a message for sending. Call before any network call; once this returns the
    /// entry survives the app being killed (committed in WAL; see `connection.rs` on power loss). Refuses bodies the server would refuse, unknown conversations and
    /// conversations the account has left. Pushing a `client_id` that is already queued
    /// returns the queued entry unchanged.
    pub fn outbox_push(
        &mut self,
        conv: &ConversationId,
        client_id: Uuid,
        body: &str,
        reply_to: Option<&MessageId>,
    ) -> CacheResult<OutboxEntry> {
        self.outbox_push_with(conv, client_id, body, reply_to, &[])
    }

    /// [`Cache::outbox_push`] with staged files (see [`Cache::staged_insert`]), in this
    /// order; with at least one file the body may be empty. The files must be staged and not
    /// carried by another entry.
    pub fn outbox_push_with(
        &mut self,
        conv: &ConversationId,
        client_id: Uuid,
        body: &str,
        reply_to: Option<&MessageId>,
        files: &[Uuid],
    ) -> CacheResult<OutboxEntry> {
        validate_send_body(body, files.len())?;
        if files.len() > ATTACHMENTS_PER_MESSAGE_MAX {
            return Err(Invalid::new(
                "attachments",
                format!("at most {ATTACHMENTS_PER_MESSAGE_MAX} per message"),
            )
            .into());
        }
        self.with_tx(|tx| {
            match conversations::left(tx, conv)? {
                None => return Err(CacheError::UnknownConversation(conv.clone())),
                Some(true) => return Err(CacheError::LeftConversation(conv.clone())),
                Some(false) => {}
            }
            tx.prepare_cached(
                "INSERT INTO outbox (client_id, conversation_id, body, reply_to, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (client_id) DO NOTHING",
            )?
            .execute(params![
                client_id.to_string(),
                conv.as_str(),
                body,
                reply_to.map(MessageId::as_str),
                micros(Utc::now())
            ])?;
            staged::attach(tx, client_id, files)?;
            Ok(by_client_id(tx, client_id)?
                .expect("inserted or already present in this transaction"))
        })
    }

    /// The entry the sending task should send next: the oldest pending one (failed entries
    /// wait for the user). Its `next_attempt_at` says how long to wait first.
    pub fn outbox_next(&self) -> CacheResult<Option<OutboxEntry>> {
        Ok(query(&self.conn, "WHERE state = 'pending'", 1, [])?
            .into_iter()
            .next())
    }

    /// Everything still in the outbox, pending and failed, in the order it was composed.
    pub fn outbox_pending(&self) -> CacheResult<Vec<OutboxEntry>> {
        Ok(query(&self.conn, "", -1, [])?)
    }

    /// The server acknowledged the message: the outbox entry becomes the real message, in one
    /// transaction. A no-op for the outbox if an event already delivered it.
    pub fn outbox_mark_sent(&mut self, client_id: Uuid, message: &Message) -> CacheResult<()> {
        self.with_tx(|tx| {
            settle(tx, client_id)?;
            messages::upsert(tx, message, messages::Source::Snapshot)?;
            Ok(())
        })
    }

    /// The server refused the message for good; `reason` is shown to the user. Returns false
    /// if there was no such entry (it was sent or discarded meanwhile).
    pub fn outbox_mark_failed(&mut self, client_id: Uuid, reason: &str) -> CacheResult<bool> {
        self.update_entry(
            "UPDATE outbox SET state = 'failed', failure = ?2 WHERE client_id = ?1",
            params![client_id.to_string(), reason],
        )
    }

    /// The user asked to try a message again: it becomes pending, in its original place, with
    /// its backoff reset.
    pub fn outbox_retry(&mut self, client_id: Uuid) -> CacheResult<bool> {
        self.update_entry(
            "UPDATE outbox SET state = 'pending', failure = NULL, attempts = 0,
                 next_attempt_at = NULL
             WHERE client_id = ?1",
            params![client_id.to_string()],
        )
    }

    /// The user gave up on the message: it is removed without being sent.
    pub fn outbox_discard(&mut self, client_id: Uuid) -> CacheResult<bool> {
        self.with_tx(|tx| Ok(settle(tx, client_id)?))
    }

    /// A send attempt failed in a way worth retrying: count it and remember when to try again.
    pub fn outbox_record_attempt(
        &mut self,
        client_id: Uuid,
        next_attempt_at: DateTime<Utc>,
    ) -> CacheResult<bool> {
        self.update_entry(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2 WHERE client_id = ?1",
            params![client_id.to_string(), micros(next_attempt_at)],
        )
    }

    fn update_entry(&mut self, sql: &str, args: impl rusqlite::Params) -> CacheResult<bool> {
        self.with_tx(|tx| Ok(tx.prepare_cached(sql)?.execute(args)? > 0))
    }
}
