//! Uploaded files: idempotent uploads, the per-user quota, the sweep of uploads never sent.

use parley_protocol::Attachment;

use crate::store::{NewAttachment, StoreError, StoreResult, persist::Tx};

/// Records an upload unless the uploader's attachments would then pass `quota` bytes. Inside
/// the transaction, so two uploads at once can't both fit the last bytes of a quota; a
/// repeated `client_id` returns the first attachment and `false`.
pub fn insert(
    tx: &mut dyn Tx,
    attachment: &NewAttachment,
    quota: u64,
) -> StoreResult<(Attachment, bool)> {
    if let Some(client_id) = attachment.client_id
        && let Some(existing) = tx
            .read()
            .attachment_by_client_id(&attachment.uploader, client_id)?
    {
        return Ok((existing, false));
    }
    let used = tx.read().attachment_bytes(&attachment.uploader)?;
    if used.saturating_add(attachment.size.max(0) as u64) > quota {
        return Err(StoreError::QuotaExceeded(format!(
            "your attachments would take more than the quota of {quota} bytes ({used} used); \
             delete messages with files to free space"
        )));
    }
    tx.insert_attachment(attachment)?;
    Ok((
        Attachment {
            id: attachment.id.clone(),
            size: attachment.size,
            content_type: attachment.content_type.clone(),
            sha256: attachment.sha256.clone(),
            name: attachment.name.clone(),
        },
        true,
    ))
}

/// Forgets uploads older than `before` that no message carries; returns the files nothing
/// refers to any more (their bytes may go).
pub fn sweep(tx: &mut dyn Tx, before: i64) -> StoreResult<Vec<String>> {
    let mut shas = tx.delete_unattached(before)?;
    shas.sort();
    shas.dedup();
    let mut unused = Vec::with_capacity(shas.len());
    for sha in shas {
        if !tx.read().blob_in_use(&sha)? {
            unused.push(sha);
        }
    }
    Ok(unused)
}
