//! Uploaded files: their rows, the per-user quota, idempotent uploads and the sweep of
//! uploads never attached to a message. The bytes live on disk (`routes/attachments.rs`).

use parley_protocol::{Attachment, AttachmentId, UserId};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::{messages::attachment_row, sql_err, writer::WriteCtx};
use crate::store::{NewAttachment, StoreError, StoreResult};

const COLUMNS: &str = "id, size, content_type, sha256, name";

pub fn by_client_id(
    c: &Connection,
    uploader: &UserId,
    client_id: Uuid,
) -> StoreResult<Option<Attachment>> {
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM attachments WHERE uploader_id = ?1 AND client_id = ?2"
    ))
    .and_then(|mut s| {
        s.query_row(
            params![uploader.as_str(), client_id.to_string()],
            attachment_row,
        )
        .optional()
    })
    .map_err(sql_err)
}

pub fn bytes_of(c: &Connection, uploader: &UserId) -> StoreResult<u64> {
    c.prepare_cached("SELECT COALESCE(SUM(size), 0) FROM attachments WHERE uploader_id = ?1")
        .and_then(|mut s| s.query_row([uploader.as_str()], |r| r.get::<_, i64>(0)))
        .map(|n| n.max(0) as u64)
        .map_err(sql_err)
}

/// Inside the writer's transaction, so two uploads at once can't both fit the last bytes of
/// a quota.
pub fn insert(
    ctx: &mut WriteCtx<'_>,
    a: &NewAttachment,
    quota: u64,
) -> StoreResult<(Attachment, bool)> {
    if let Some(client_id) = a.client_id
        && let Some(existing) = by_client_id(ctx.conn, &a.uploader, client_id)?
    {
        return Ok((existing, false));
    }
    let used = bytes_of(ctx.conn, &a.uploader)?;
    if used.saturating_add(a.size.max(0) as u64) > quota {
        return Err(StoreError::QuotaExceeded(format!(
            "your attachments would take more than the quota of {quota} bytes ({used} used); \
             delete messages with files to free space"
        )));
    }
    ctx.conn
        .execute(
            "INSERT INTO attachments (id, uploader_id, size, content_type, sha256, name, created_at, client_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                a.id.as_str(),
                a.uploader.as_str(),
                a.size,
                a.content_type,
                a.sha256,
                a.name,
                ctx.now,
                a.client_id.map(|c| c.to_string())
            ],
        )
        .map_err(sql_err)?;
    Ok((
        Attachment {
            id: a.id.clone(),
            size: a.size,
            content_type: a.content_type.clone(),
            sha256: a.sha256.clone(),
            name: a.name.clone(),
        },
        true,
    ))
}

/// The attachment if `actor` uploaded it or is now a member of a conversation where a
/// (non-deleted) message carries it; `NotFound` otherwise.
pub fn visible(c: &Connection, actor: &UserId, id: &AttachmentId) -> StoreResult<Attachment> {
    c.prepare_cached(
        "SELECT a.id, a.size, a.content_type, a.sha256, a.name FROM attachments a
         WHERE a.id = ?1 AND (a.uploader_id = ?2 OR EXISTS (
             SELECT 1 FROM message_attachments ma
             JOIN messages m ON m.rowid = ma.message_rowid
             JOIN members mb ON mb.conversation_id = m.conversation_id AND mb.user_id = ?2
             WHERE ma.attachment_id = a.id))",
    )
    .and_then(|mut s| s.query_row(params![id.as_str(), actor.as_str()], attachment_row))
    .map_err(sql_err)
}

/// Deletes the rows of uploads older than `before` that no message carries (never sent, or
/// their message was deleted); returns the files nothing refers to any more.
pub fn sweep(ctx: &mut WriteCtx<'_>, before: i64) -> StoreResult<Vec<String>> {
    let mut stmt = ctx
        .conn
        .prepare(
            "DELETE FROM attachments WHERE created_at < ?1 AND NOT EXISTS (
                 SELECT 1 FROM message_attachments ma WHERE ma.attachment_id = attachments.id)
             RETURNING sha256",
        )
        .map_err(sql_err)?;
    let mut shas: Vec<String> = stmt
        .query_map([before], |r| r.get(0))
        .map_err(sql_err)?
        .collect::<Result<_, _>>()
        .map_err(sql_err)?;
    shas.sort();
    shas.dedup();
    let mut unused = Vec::with_capacity(shas.len());
    for sha in shas {
        if !blob_in_use(ctx.conn, &sha)? {
            unused.push(sha);
        }
    }
    Ok(unused)
}

pub fn blob_in_use(c: &Connection, sha256: &str) -> StoreResult<bool> {
    c.prepare_cached("SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1)")
        .and_then(|mut s| s.query_row([sha256], |r| r.get(0)))
        .map_err(sql_err)
}
