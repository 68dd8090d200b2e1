//! Uploaded files' rows in SQLite (the bytes live on disk: `routes/attachments.rs`).

use parley_protocol::{Attachment, AttachmentId, UserId};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::{Db, messages::attachment_row, sql_err, writer::SqliteTx};
use crate::store::{
    NewAttachment, StoreResult,
    persist::{AttachmentReads, AttachmentWrites, TxCore},
};

const COLUMNS: &str = "id, size, content_type, sha256, name";

impl AttachmentReads for Db<'_> {
    fn own_attachment(
        &mut self,
        uploader: &UserId,
        id: &AttachmentId,
    ) -> StoreResult<Option<Attachment>> {
        self.0
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM attachments WHERE id = ?1 AND uploader_id = ?2"
            ))
            .and_then(|mut s| {
                s.query_row([id.as_str(), uploader.as_str()], attachment_row)
                    .optional()
            })
            .map_err(sql_err)
    }

    fn attachment_by_client_id(
        &mut self,
        uploader: &UserId,
        client_id: Uuid,
    ) -> StoreResult<Option<Attachment>> {
        self.0
            .prepare_cached(&format!(
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

    fn attachment_bytes(&mut self, uploader: &UserId) -> StoreResult<u64> {
        self.0
            .prepare_cached("SELECT COALESCE(SUM(size), 0) FROM attachments WHERE uploader_id = ?1")
            .and_then(|mut s| s.query_row([uploader.as_str()], |r| r.get::<_, i64>(0)))
            .map(|n| n.max(0) as u64)
            .map_err(sql_err)
    }

    fn visible_attachment(
        &mut self,
        user: &UserId,
        id: &AttachmentId,
    ) -> StoreResult<Option<Attachment>> {
        self.0
            .prepare_cached(
                "SELECT a.id, a.size, a.content_type, a.sha256, a.name FROM attachments a
                 WHERE a.id = ?1 AND (a.uploader_id = ?2 OR EXISTS (
                     SELECT 1 FROM message_attachments ma
                     JOIN messages m ON m.rowid = ma.message_rowid
                     JOIN members mb ON mb.conversation_id = m.conversation_id AND mb.user_id = ?2
                     WHERE ma.attachment_id = a.id))",
            )
            .and_then(|mut s| {
                s.query_row(params![id.as_str(), user.as_str()], attachment_row)
                    .optional()
            })
            .map_err(sql_err)
    }

    fn blob_in_use(&mut self, sha256: &str) -> StoreResult<bool> {
        self.0
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1)")
            .and_then(|mut s| s.query_row([sha256], |r| r.get(0)))
            .map_err(sql_err)
    }
}

impl AttachmentWrites for SqliteTx<'_> {
    fn insert_attachment(&mut self, a: &NewAttachment) -> StoreResult<()> {
        self.conn()
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
                    self.now(),
                    a.client_id.map(|c| c.to_string())
                ],
            )
            .map_err(sql_err)?;
        Ok(())
    }

    fn delete_unattached(&mut self, before: i64) -> StoreResult<Vec<String>> {
        let mut stmt = self
            .conn()
            .prepare(
                "DELETE FROM attachments WHERE created_at < ?1 AND NOT EXISTS (
                     SELECT 1 FROM message_attachments ma WHERE ma.attachment_id = attachments.id)
                 RETURNING sha256",
            )
            .map_err(sql_err)?;
        let rows = stmt.query_map([before], |r| r.get(0)).map_err(sql_err)?;
        rows.collect::<Result<_, _>>().map_err(sql_err)
    }
}
