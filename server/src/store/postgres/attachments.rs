//! Uploaded files' rows in PostgreSQL.

use parley_protocol::{Attachment, AttachmentId, UserId};
use uuid::Uuid;

use super::{PgDb, messages::attachment_row, writer::PgTx};
use crate::store::{
    NewAttachment, StoreResult,
    persist::{AttachmentReads, AttachmentWrites, TxCore},
};

impl AttachmentReads for PgDb<'_> {
    fn own_attachment(
        &mut self,
        uploader: &UserId,
        id: &AttachmentId,
    ) -> StoreResult<Option<Attachment>> {
        Ok(self
            .0
            .query_opt(
                "SELECT id, size, content_type, sha256, name FROM attachments WHERE id = $1 AND uploader_id = $2",
                &[&id.as_str(), &uploader.as_str()],
            )?
            .as_ref()
            .map(attachment_row))
    }

    fn attachment_by_client_id(
        &mut self,
        uploader: &UserId,
        client_id: Uuid,
    ) -> StoreResult<Option<Attachment>> {
        Ok(self
            .0
            .query_opt(
                "SELECT id, size, content_type, sha256, name FROM attachments WHERE uploader_id = $1 AND client_id = $2",
                &[&uploader.as_str(), &client_id.to_string()],
            )?
            .as_ref()
            .map(attachment_row))
    }

    fn attachment_bytes(&mut self, uploader: &UserId) -> StoreResult<u64> {
        let bytes: i64 = self
            .0
            .query_one(
                "SELECT COALESCE(SUM(size), 0)::bigint FROM attachments WHERE uploader_id = $1",
                &[&uploader.as_str()],
            )?
            .get(0);
        Ok(bytes.max(0) as u64)
    }

    fn visible_attachment(
        &mut self,
        user: &UserId,
        id: &AttachmentId,
    ) -> StoreResult<Option<Attachment>> {
        Ok(self
            .0
            .query_opt(
                "SELECT a.id, a.size, a.content_type, a.sha256, a.name FROM attachments a
                 WHERE a.id = $1 AND (a.uploader_id = $2 OR EXISTS (
                     SELECT 1 FROM message_attachments ma
                     JOIN messages m ON m.pk = ma.message_pk
                     JOIN members mb ON mb.conversation_id = m.conversation_id AND mb.user_id = $2
                     WHERE ma.attachment_id = a.id))",
                &[&id.as_str(), &user.as_str()],
            )?
            .as_ref()
            .map(attachment_row))
    }

    fn blob_in_use(&mut self, sha256: &str) -> StoreResult<bool> {
        Ok(self
            .0
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = $1)",
                &[&sha256],
            )?
            .get(0))
    }
}

impl AttachmentWrites for PgTx<'_> {
    fn insert_attachment(&mut self, a: &NewAttachment) -> StoreResult<()> {
        let now = self.now();
        self.conn().execute(
            "INSERT INTO attachments (id, uploader_id, size, content_type, sha256, name, created_at, client_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &a.id.as_str(),
                &a.uploader.as_str(),
                &a.size,
                &a.content_type,
                &a.sha256,
                &a.name,
                &now,
                &a.client_id.map(|c| c.to_string()),
            ],
        )?;
        Ok(())
    }

    fn delete_unattached(&mut self, before: i64) -> StoreResult<Vec<String>> {
        Ok(self
            .conn()
            .query(
                "DELETE FROM attachments WHERE created_at < $1 AND NOT EXISTS (
                     SELECT 1 FROM message_attachments ma WHERE ma.attachment_id = attachments.id)
                 RETURNING sha256",
                &[&before],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }
}
