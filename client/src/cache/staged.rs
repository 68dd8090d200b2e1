//! The `staged_attachments` and `attachments` tables.
//!
//! `staged_attachments` describes the files picked to be sent (their bytes are files under the
//! account's `staged/` dir, which the engine manages). A row goes through: staged (no
//! `client_id`) → attached to an outbox entry when the message is composed → uploaded
//! (`attachment_id` stored right after its upload) → settled (its entry left the outbox), when
//! the engine deletes the file and then the row.
//!
//! `attachments` remembers every attachment seen on a message, so a download can be checked
//! against its size and hash.

use chrono::{DateTime, Utc};
use parley_protocol::{Attachment, AttachmentId};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use uuid::Uuid;

use super::{
    Cache, CacheError, CacheResult, StagedAttachment, StagedUpload,
    columns::{micros, uuid},
};

const COLUMNS: &str = "staged_id, name, size, content_type, attachment_id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<StagedUpload> {
    Ok(StagedUpload {
        file: StagedAttachment {
            staged_id: uuid(0, &row.get::<_, String>(0)?)?,
            name: row.get(1)?,
            size: row.get(2)?,
            content_type: row.get(3)?,
        },
        attachment_id: row.get::<_, Option<String>>(4)?.map(AttachmentId::new),
    })
}

/// The files of the outbox entry `client_id`, in order.
pub(super) fn for_entry(conn: &Connection, client_id: Uuid) -> rusqlite::Result<Vec<StagedUpload>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM staged_attachments WHERE client_id = ?1 ORDER BY position"
    ))?
    .query_map([client_id.to_string()], from_row)?
    .collect()
}

/// Gives the staged files to the outbox entry `client_id` (in this order). Each must be
/// staged and free, or already this entry's (pushing the same entry again is a no-op).
pub(super) fn attach(tx: &Transaction<'_>, client_id: Uuid, files: &[Uuid]) -> CacheResult<()> {
    let owner = client_id.to_string();
    for (position, staged_id) in files.iter().enumerate() {
        let current: Option<Option<String>> = tx
            .prepare_cached("SELECT client_id FROM staged_attachments WHERE staged_id = ?1")?
            .query_row([staged_id.to_string()], |r| r.get(0))
            .optional()?;
        match current {
            None => return Err(CacheError::UnknownStaged(*staged_id)),
            Some(Some(other)) if other != owner => {
                return Err(CacheError::StagedInUse(*staged_id));
            }
            Some(_) => {}
        }
        tx.prepare_cached(
            "UPDATE staged_attachments SET client_id = ?2, position = ?3 WHERE staged_id = ?1",
        )?
        .execute(params![staged_id.to_string(), owner, position as i64])?;
    }
    Ok(())
}

/// Keeps the description of each attachment of a stored message.
pub(super) fn remember(conn: &Connection, attachments: &[Attachment]) -> rusqlite::Result<()> {
    for a in attachments {
        conn.prepare_cached(
            "INSERT INTO attachments (id, size, content_type, sha256, name)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            a.id.as_str(),
            a.size,
            a.content_type,
            a.sha256,
            a.name
        ])?;
    }
    Ok(())
}

impl Cache {
    /// Records a staged file (its bytes are already durably on disk).
    pub fn staged_insert(&mut self, file: &StagedAttachment, at: DateTime<Utc>) -> CacheResult<()> {
        self.with_tx(|tx| {
            tx.prepare_cached(
                "INSERT INTO staged_attachments (staged_id, name, content_type, size, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                file.staged_id.to_string(),
                file.name,
                file.content_type,
                file.size,
                micros(at)
            ])?;
            Ok(())
        })
    }

    /// A staged file, if it is still staged.
    pub fn staged(&self, staged_id: Uuid) -> CacheResult<Option<StagedAttachment>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM staged_attachments WHERE staged_id = ?1"
            ))?
            .query_row([staged_id.to_string()], from_row)
            .optional()?
            .map(|s| s.file))
    }

    /// The files of an outbox entry with their upload state, in order.
    pub fn staged_for_entry(&self, client_id: Uuid) -> CacheResult<Vec<StagedUpload>> {
        Ok(for_entry(&self.conn, client_id)?)
    }

    /// Records the server's id of an uploaded file, right after the upload.
    pub fn staged_uploaded(&mut self, staged_id: Uuid, id: &AttachmentId) -> CacheResult<()> {
        self.with_tx(|tx| {
            tx.prepare_cached(
                "UPDATE staged_attachments SET attachment_id = ?2 WHERE staged_id = ?1",
            )?
            .execute(params![staged_id.to_string(), id.as_str()])?;
            Ok(())
        })
    }

    /// Forgets a staged file that no message in the outbox carries. `Ok(false)` if there was
    /// no such row; [`CacheError::StagedInUse`] if an outbox entry still carries it.
    pub fn staged_discard(&mut self, staged_id: Uuid) -> CacheResult<bool> {
        self.with_tx(|tx| {
            let in_use: bool = tx
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM staged_attachments s JOIN outbox o
                                    ON o.client_id = s.client_id WHERE s.staged_id = ?1)",
                )?
                .query_row([staged_id.to_string()], |r| r.get(0))?;
            if in_use {
                return Err(CacheError::StagedInUse(staged_id));
            }
            Ok(tx
                .prepare_cached("DELETE FROM staged_attachments WHERE staged_id = ?1")?
                .execute([staged_id.to_string()])?
                > 0)
        })
    }

    /// Forgets the staged files nothing needs any more — their entry left the outbox (sent,
    /// settled by an event, discarded), or they were never composed and were staged before
    /// `stale_before` — and returns their ids so the caller deletes the bytes. One statement:
    /// a file composed a moment ago can't be forgotten from under its entry.
    pub fn staged_take_unneeded(&mut self, stale_before: DateTime<Utc>) -> CacheResult<Vec<Uuid>> {
        self.with_tx(|tx| {
            let mut stmt = tx.prepare_cached(
                "DELETE FROM staged_attachments AS s
                 WHERE (s.client_id IS NOT NULL
                        AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.client_id = s.client_id))
                    OR (s.client_id IS NULL AND s.created_at < ?1)
                 RETURNING staged_id",
            )?;
            let ids = stmt
                .query_map([micros(stale_before)], |r| uuid(0, &r.get::<_, String>(0)?))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(ids)
        })
    }

    /// Every staged id with a row (the files without one are leftovers).
    pub fn staged_ids(&self) -> CacheResult<Vec<Uuid>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT staged_id FROM staged_attachments")?;
        let ids = stmt
            .query_map([], |r| uuid(0, &r.get::<_, String>(0)?))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }

    /// The description of an attachment seen on a cached message.
    pub fn attachment(&self, id: &AttachmentId) -> CacheResult<Option<Attachment>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, size, content_type, sha256, name FROM attachments WHERE id = ?1",
            )?
            .query_row([id.as_str()], |r| {
                Ok(Attachment {
                    id: AttachmentId::new(r.get::<_, String>(0)?),
                    size: r.get(1)?,
                    content_type: r.get(2)?,
                    sha256: r.get(3)?,
                    name: r.get(4)?,
                })
            })
            .optional()?)
    }
}
