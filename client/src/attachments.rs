//! Attachments on this device: files staged to be sent, and files downloaded to be shown.
//!
//! Under the account's dir (see [`Account::data_dir`](crate::accounts::Account::data_dir)):
//!
//! - `staged/<staged_id>`: a file picked to be sent. Written to a temp name, fsynced, then
//!   renamed, and only then recorded in the cache — so a recorded file is always complete,
//!   also after a crash. It stays until its message is acknowledged (or the entry is
//!   discarded); the sending task uploads it first and stores the server's id right after
//!   (see `outbox.rs`). Files nothing refers to are removed at engine start (never-composed
//!   ones after 24 h: a UI may still be holding the id of something staged a moment ago).
//! - `files/<attachment id>/<name>`: downloads, checked against the size and SHA-256 the
//!   message announced and renamed into place only then, so a file present is a good copy.
//!   Kept under its own name so the system's "open" picks the right application.
//! - `thumbnails/<attachment id>`: the server's thumbnails.
//!
//! Ids and names from the server never become paths as they are: both go through
//! [`safe_component`].

use crate::error::ClientResult;
use std::{
    io::{Read, Write},
    path::{Path, PathBuf},
};

use chrono::Utc;
use parley_protocol::{
    AttachmentId, ConversationId, MessageId,
    limits::{ATTACHMENT_NAME_MAX_CHARS, validate_send_body},
};
use uuid::Uuid;

use crate::{
    api::ApiError,
    cache::{OutboxEntry, StagedAttachment},
    engine::Engine,
    engine::EngineEvent,
};

/// The largest file that may be staged: the server's default upload limit (25 MiB).
pub const MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;
/// Never-composed staged files older than this are removed at engine start.
const ORPHAN_AGE: chrono::Duration = chrono::Duration::hours(24);
/// The prefix of a pending (not yet uploaded) attachment's id, as the cache shows it.
pub const LOCAL_PREFIX: &str = "local:";

/// What can go wrong with an attachment, worded for the person.
#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    #[error("{name} is too large to send: {size} bytes, at most {max} bytes")]
    TooLarge { name: String, size: u64, max: u64 },
    #[error("no attachment {0} in the local cache (run a sync first?)")]
    Unknown(String),
    #[error("attachment {0} has no thumbnail (not an image)")]
    NoThumbnail(String),
    #[error("the download of {name} does not match what was sent ({detail})")]
    Mismatch { name: String, detail: String },
}

/// A file name fit for the server and for the disk: the last path component, without
/// control characters, at most 255 characters; `file` when nothing is left.
pub fn sanitize_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(ATTACHMENT_NAME_MAX_CHARS)
        .collect();
    let clean = clean.trim();
    if clean.is_empty() || clean == "." || clean == ".." {
        "file".to_owned()
    } else {
        clean.to_owned()
    }
}

/// `type/subtype` as given, or `application/octet-stream` when it doesn't look like one.
pub fn sanitize_content_type(content_type: &str) -> String {
    let value = content_type.trim();
    let plausible = !value.is_empty()
        && value.len() <= 255
        && value.contains('/')
        && value.chars().all(|c| c.is_ascii_graphic() || c == ' ');
    if plausible {
        value.to_owned()
    } else {
        "application/octet-stream".to_owned()
    }
}

/// One path component from an untrusted string: [`sanitize_name`], then anything but
/// `A-Z a-z 0-9 . _ - ( ) space` replaced, so it is safe on every OS.
pub fn safe_component(text: &str) -> String {
    let name = sanitize_name(text);
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "._-() ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.').trim_end_matches(['.', ' ']);
    if safe.is_empty() {
        return "file".to_owned();
    }
    let safe = fit_bytes(safe, COMPONENT_MAX_BYTES);
    // Windows gives these names to devices, whatever the extension (`nul.txt` is NUL).
    let stem = safe.split('.').next().unwrap_or_default().trim_end();
    let reserved = ["CON", "PRN", "AUX", "NUL"]
        .iter()
        .any(|r| stem.eq_ignore_ascii_case(r))
        || (stem.len() == 4
            && ["COM", "LPT"]
                .iter()
                .any(|r| stem.get(..3).is_some_and(|p| p.eq_ignore_ascii_case(r)))
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved { format!("_{safe}") } else { safe }
}

/// File systems count a name's bytes (ext4: 255) or UTF-16 units (NTFS: 255), not its
/// characters; this leaves room for " (99)" and a temp-file suffix.
const COMPONENT_MAX_BYTES: usize = 200;

/// `name` cut to at most `max` bytes on a character boundary, keeping a short extension.
fn fit_bytes(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let ext = name
        .rfind('.')
        .map(|i| &name[i..])
        .filter(|e| e.len() <= 16)
        .unwrap_or("");
    let mut stem_end = max - ext.len();
    while !name.is_char_boundary(stem_end) {
        stem_end -= 1;
    }
    format!("{}{ext}", &name[..stem_end])
}

/// The content type a file name suggests (mime_guess's extension table), for files that come
/// without one (the CLI's `--attach`, a picker that gives none).
pub fn guess_content_type(name: &str) -> String {
    mime_guess::from_path(name)
        .first_or_octet_stream()
        .essence_str()
        .to_owned()
}

/// Writes `source` to `dir/<name>` durably: a temp file, fsync, rename, fsync of the dir.
/// Refuses more than `max` bytes (the temp file is removed). Returns the size.
fn write_durably(dir: &Path, name: &str, source: impl Read, max: u64) -> anyhow::Result<u64> {
    std::fs::create_dir_all(dir)?;
    // Unique per write: two writers of the same name (a thumbnail asked for twice) must not
    // share a temp file.
    let tmp = dir.join(format!("{name}.{}.tmp", Uuid::new_v4().simple()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        let size = std::io::copy(&mut source.take(max + 1), &mut file)?;
        if size > max {
            return Ok(size);
        }
        file.flush()?;
        file.sync_all()?;
        std::fs::rename(&tmp, dir.join(name))?;
        sync_dir(dir);
        Ok::<_, std::io::Error>(size)
    })();
    match result {
        Ok(size) if size <= max => Ok(size),
        other => {
            let _ = std::fs::remove_file(&tmp);
            Ok(other?)
        }
    }
}

/// Makes a rename durable (on Unix, a directory can be fsynced; elsewhere this is a no-op).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

fn remove_quietly(path: &Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(error = %e, path = %path.display(), "could not remove a staged file");
    }
}

/// A name in `dir` that no file has yet: `name`, `name (1).ext`, `name (2).ext`, …, created
/// empty (so two saves at once can't pick the same one).
pub(crate) fn create_unique(dir: &Path, name: &str) -> anyhow::Result<(PathBuf, std::fs::File)> {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (name, String::new()),
    };
    for n in 0..10_000 {
        let candidate = match n {
            0 => dir.join(name),
            n => dir.join(format!("{stem} ({n}){ext}")),
        };
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => return Ok((candidate, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(anyhow::anyhow!(
                    "cannot create {}: {e}",
                    candidate.display()
                ));
            }
        }
    }
    anyhow::bail!("no free file name for {name} in {}", dir.display())
}

impl Engine {
    fn staged_dir(&self) -> PathBuf {
        self.inner.dir.join("staged")
    }

    /// Where a staged file's bytes are.
    pub fn staged_path(&self, staged_id: Uuid) -> PathBuf {
        self.staged_dir().join(staged_id.to_string())
    }

    /// Keeps a file to be sent with a message (works offline). The bytes are on disk, durably,
    /// before this returns; pass the `staged_id` to [`Engine::compose_with`].
    pub async fn stage_attachment(
        &self,
        name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> ClientResult<StagedAttachment> {
        let size = bytes.len() as u64;
        if size > MAX_ATTACHMENT_BYTES {
            return Err(AttachmentError::TooLarge {
                name: sanitize_name(name),
                size,
                max: MAX_ATTACHMENT_BYTES,
            }
            .into());
        }
        Ok(self
            .stage_reader(name, content_type, std::io::Cursor::new(bytes))
            .await?)
    }

    /// [`Engine::stage_attachment`] from a file on disk (copied, so the original may change).
    pub async fn stage_file(&self, path: &Path) -> ClientResult<StagedAttachment> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file = std::fs::File::open(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        let size = file.metadata()?.len();
        if size > MAX_ATTACHMENT_BYTES {
            return Err(AttachmentError::TooLarge {
                name: sanitize_name(&name),
                size,
                max: MAX_ATTACHMENT_BYTES,
            }
            .into());
        }
        let content_type = guess_content_type(&name);
        Ok(self.stage_reader(&name, &content_type, file).await?)
    }

    async fn stage_reader(
        &self,
        name: &str,
        content_type: &str,
        source: impl Read + Send + 'static,
    ) -> anyhow::Result<StagedAttachment> {
        let staged_id = Uuid::new_v4();
        let name = sanitize_name(name);
        let dir = self.staged_dir();
        let file_name = staged_id.to_string();
        let size = tokio::task::spawn_blocking(move || {
            write_durably(&dir, &file_name, source, MAX_ATTACHMENT_BYTES)
        })
        .await??;
        if size > MAX_ATTACHMENT_BYTES {
            return Err(AttachmentError::TooLarge {
                name,
                size,
                max: MAX_ATTACHMENT_BYTES,
            }
            .into());
        }
        // No usable type given (a picker without a MIME database, a paste): go by the name.
        let content_type = match sanitize_content_type(content_type) {
            unknown if unknown == "application/octet-stream" => guess_content_type(&name),
            known => known,
        };
        let staged = StagedAttachment {
            staged_id,
            name,
            size: size as i64,
            content_type,
        };
        let row = staged.clone();
        if let Err(e) = self
            .with_cache_async(move |c| c.staged_insert(&row, Utc::now()))
            .await
        {
            remove_quietly(&self.staged_path(staged_id));
            return Err(e.into());
        }
        Ok(staged)
    }

    /// Deletes a staged file no outbox entry carries (the user took it off the composer).
    pub async fn discard_staged(&self, staged_id: Uuid) -> ClientResult<()> {
        self.with_cache_async(move |c| c.staged_discard(staged_id))
            .await?;
        let path = self.staged_path(staged_id);
        tokio::task::spawn_blocking(move || remove_quietly(&path)).await?;
        Ok(())
    }

    /// Puts a message with staged files in the outbox (durably, before any network call) and
    /// wakes the sender. With files the body may be empty (PRODUCT.md §2).
    pub async fn compose_with(
        &self,
        conversation: &ConversationId,
        body: &str,
        reply_to: Option<MessageId>,
        attachments: &[Uuid],
    ) -> ClientResult<OutboxEntry> {
        validate_send_body(body, attachments.len())?;
        let (conversation, body, files) =
            (conversation.clone(), body.to_owned(), attachments.to_vec());
        let entry = self
            .with_cache_async(move |c| {
                c.outbox_push_with(
                    &conversation,
                    Uuid::new_v4(),
                    &body,
                    reply_to.as_ref(),
                    &files,
                )
            })
            .await?;
        self.wake_outbox();
        Ok(entry)
    }

    /// Gives up on an outbox entry (not sent) and deletes its staged files.
    pub async fn discard_message(&self, client_id: Uuid) -> ClientResult<bool> {
        let removed = self
            .with_cache_async(move |c| c.outbox_discard(client_id))
            .await?;
        self.remove_unneeded_staged().await?;
        Ok(removed)
    }

    /// Deletes the staged files nothing needs any more (their message was acknowledged or
    /// discarded, or they were never composed and are older than 24 h).
    pub async fn remove_unneeded_staged(&self) -> ClientResult<()> {
        let engine = self.clone();
        Ok(tokio::task::spawn_blocking(move || engine.remove_unneeded_staged_now()).await??)
    }

    /// [`Engine::remove_unneeded_staged`], blocking; also removes leftover files that have no
    /// row (a crash between writing and recording) once they are 24 h old.
    pub(crate) fn remove_unneeded_staged_now(&self) -> anyhow::Result<()> {
        let stale_before = Utc::now() - ORPHAN_AGE;
        let (unneeded, known) = {
            let mut cache = self
                .inner
                .cache
                .lock()
                .map_err(|_| anyhow::anyhow!("cache lock poisoned"))?;
            (
                cache.staged_take_unneeded(stale_before)?,
                cache.staged_ids()?,
            )
        };
        for id in &unneeded {
            remove_quietly(&self.staged_path(*id));
        }
        let Ok(entries) = std::fs::read_dir(self.staged_dir()) else {
            return Ok(());
        };
        let known: std::collections::HashSet<String> = known.iter().map(Uuid::to_string).collect();
        let old = std::time::SystemTime::now() - ORPHAN_AGE.to_std().unwrap_or_default();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let modified = entry.metadata().and_then(|m| m.modified()).ok();
            if !known.contains(&name) && modified.is_some_and(|m| m < old) {
                remove_quietly(&entry.path());
            }
        }
        Ok(())
    }

    /// Uploads the entry's files that are not uploaded yet, storing each one's server id
    /// right after its upload; returns all their ids in order.
    pub(crate) async fn upload_files(
        &self,
        entry: &OutboxEntry,
    ) -> Result<Vec<AttachmentId>, UploadFailure> {
        let client_id = entry.client_id;
        let files = self
            .with_cache_async(move |c| c.staged_for_entry(client_id))
            .await
            .map_err(UploadFailure::Local)?;
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let api = self.api().await.map_err(UploadFailure::Local)?;
        let cancel = tokio_util::sync::CancellationToken::new();
        let _uploading = Uploading::start(self, client_id, cancel.clone());
        let mut ids = Vec::with_capacity(files.len());
        for staged in files {
            if let Some(id) = staged.attachment_id {
                ids.push(id);
                continue;
            }
            let file = staged.file;
            let path = self.staged_path(file.staged_id);
            if !path.exists() {
                return Err(UploadFailure::Gone(file.name));
            }
            // The staged id is the upload's client_id: a retry after the app died between
            // the server's answer and storing the id gets the same attachment back.
            let total = file.size as u64;
            let progress = self.upload_progress(entry, file.staged_id, &file.name, total);
            progress(0);
            let upload = api.upload_attachment_with_progress(
                &path,
                total,
                &file.name,
                &file.content_type,
                file.staged_id,
                progress,
            );
            // Cancelling first: `Cancel upload` deletes the staged file, so the upload may fail
            // in the same instant, and that failure must not be taken for the outcome.
            let uploaded = tokio::select! {
                biased;
                () = cancel.cancelled() => return Err(UploadFailure::Cancelled),
                uploaded = upload => uploaded.map_err(|e| UploadFailure::Api(file.name.clone(), e))?,
            };
            let id = uploaded.id;
            let stored = id.clone();
            self.with_cache_async(move |c| c.staged_uploaded(file.staged_id, &stored))
                .await
                .map_err(UploadFailure::Local)?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// Reports an upload's progress as [`EngineEvent::Upload`], a few times a second at
    /// most (and always at the start and the end).
    fn upload_progress(
        &self,
        entry: &OutboxEntry,
        staged_id: Uuid,
        name: &str,
        total: u64,
    ) -> impl Fn(u64) + Clone + Send + Sync + 'static {
        let engine = self.clone();
        let (client_id, conversation_id, name) = (
            entry.client_id,
            entry.conversation_id.clone(),
            name.to_owned(),
        );
        let started = std::time::Instant::now();
        let last = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        move |sent: u64| {
            let now = started.elapsed().as_millis() as u64 + 1;
            let before = last.load(std::sync::atomic::Ordering::Relaxed);
            if sent != 0 && sent < total && now.saturating_sub(before) < UPLOAD_PROGRESS_EVERY_MS {
                return;
            }
            last.store(now, std::sync::atomic::Ordering::Relaxed);
            engine.emit(vec![EngineEvent::Upload {
                client_id,
                conversation_id: conversation_id.clone(),
                staged_id,
                name: name.clone(),
                sent,
                total,
            }]);
        }
    }

    /// `Cancel upload`: stops the upload of an outbox entry's files at once and discards the
    /// entry (its message is not sent). False when there is no such entry any more (it was
    /// sent meanwhile).
    pub async fn cancel_upload(&self, client_id: Uuid) -> ClientResult<bool> {
        let token = self
            .inner
            .uploads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&client_id)
            .cloned();
        if let Some(token) = token {
            token.cancel();
        }
        self.discard_message(client_id).await
    }

    fn files_dir(&self, id: &AttachmentId) -> PathBuf {
        self.inner
            .dir
            .join("files")
            .join(safe_component(id.as_str()))
    }

    /// The staged file behind a pending attachment's `local:<staged_id>` id.
    async fn local_file(&self, id: &str) -> anyhow::Result<Option<(StagedAttachment, PathBuf)>> {
        let Some(staged) = id.strip_prefix(LOCAL_PREFIX) else {
            return Ok(None);
        };
        let staged_id =
            Uuid::parse_str(staged).map_err(|_| AttachmentError::Unknown(id.to_owned()))?;
        let file = self
            .with_cache_async(move |c| c.staged(staged_id))
            .await?
            .ok_or_else(|| AttachmentError::Unknown(id.to_owned()))?;
        Ok(Some((file, self.staged_path(staged_id))))
    }

    /// The attachment as a file on this device: downloaded into the account's files cache
    /// (streamed, at most the announced size, SHA-256 checked) unless already there. A
    /// pending attachment (`local:…`) is a copy of its staged file.
    pub async fn attachment_file(&self, id: &AttachmentId) -> ClientResult<PathBuf> {
        if let Some((file, staged)) = self.local_file(id.as_str()).await? {
            // A copy under its own name: the system app sees the right type, and whatever
            // it does to the file can't change what is about to be uploaded.
            let dir = self.files_dir(id);
            let path = dir.join(safe_component(&file.name));
            tokio::fs::create_dir_all(&dir).await?;
            let tmp = dir.join(format!(".{}.part", Uuid::new_v4()));
            tokio::fs::copy(&staged, &tmp).await?;
            tokio::fs::rename(&tmp, &path).await?;
            return Ok(path);
        }
        let meta = self
            .attachment_meta(id)
            .await?
            .ok_or_else(|| AttachmentError::Unknown(id.to_string()))?;
        let dir = self.files_dir(id);
        let path = dir.join(safe_component(&meta.name));
        let size = u64::try_from(meta.size).unwrap_or(0);
        if tokio::fs::metadata(&path)
            .await
            .is_ok_and(|m| m.is_file() && m.len() == size)
        {
            // Opened again: the last to go when the downloads are trimmed.
            crate::downloads::touch(&path);
            return Ok(path);
        }
        tokio::fs::create_dir_all(&dir).await?;
        let tmp = dir.join(format!(".{}.part", Uuid::new_v4()));
        let result = self.download_to(id, &tmp, size).await;
        let (got_size, sha256) = match result {
            Ok(done) => done,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e.into());
            }
        };
        if got_size != size || !sha256.eq_ignore_ascii_case(&meta.sha256) {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(AttachmentError::Mismatch {
                name: meta.name,
                detail: format!("{got_size} bytes with SHA-256 {sha256}"),
            }
            .into());
        }
        tokio::fs::rename(&tmp, &path).await?;
        Ok(path)
    }

    async fn download_to(
        &self,
        id: &AttachmentId,
        tmp: &Path,
        max: u64,
    ) -> anyhow::Result<(u64, String)> {
        let mut file = tokio::fs::File::create(tmp).await?;
        let done = self
            .api()
            .await?
            .download_attachment(id, &mut file, max)
            .await?;
        file.sync_all().await?;
        Ok(done)
    }

    /// What the cache knows of a sent attachment (name, type, size).
    pub async fn attachment_meta(
        &self,
        id: &AttachmentId,
    ) -> ClientResult<Option<parley_protocol::Attachment>> {
        let id = id.clone();
        self.with_cache_async(move |c| c.attachment(&id)).await
    }

    /// A small image of an image attachment (the server's thumbnail, kept on disk after the
    /// first time). A pending image shows its own bytes. [`AttachmentError::NoThumbnail`]
    /// for anything that is not an image.
    pub async fn attachment_thumbnail(&self, id: &AttachmentId) -> ClientResult<Vec<u8>> {
        if let Some((file, path)) = self.local_file(id.as_str()).await? {
            if !file.content_type.starts_with("image/") {
                return Err(AttachmentError::NoThumbnail(id.to_string()).into());
            }
            return Ok(tokio::fs::read(path).await?);
        }
        let meta = self.attachment_meta(id).await?;
        if meta.is_some_and(|m| !m.content_type.starts_with("image/")) {
            return Err(AttachmentError::NoThumbnail(id.to_string()).into());
        }
        let dir = self.inner.dir.join("thumbnails");
        let path = dir.join(safe_component(id.as_str()));
        if let Ok(bytes) = tokio::fs::read(&path).await {
            return Ok(bytes);
        }
        let bytes = match self.api().await?.attachment_thumbnail(id).await {
            Ok(bytes) => bytes,
            Err(ApiError::Status {
                status: 400 | 404 | 415,
                ..
            }) => return Err(AttachmentError::NoThumbnail(id.to_string()).into()),
            Err(e) => return Err(e.into()),
        };
        let to_write = bytes.clone();
        let name = safe_component(id.as_str());
        let written = tokio::task::spawn_blocking(move || {
            write_durably(&dir, &name, std::io::Cursor::new(to_write), u64::MAX - 1)
        })
        .await?;
        if let Err(e) = written {
            tracing::debug!(error = %e, "thumbnail not kept on disk");
        }
        Ok(bytes)
    }

    /// Copies the attachment (downloading it first if needed) into `dest_dir` under its own
    /// name, or `name (1).ext`, … if that is taken — never overwriting. Returns the new path.
    pub async fn save_attachment(
        &self,
        id: &AttachmentId,
        dest_dir: &Path,
    ) -> ClientResult<PathBuf> {
        let source = self.attachment_file(id).await?;
        let name = match self.local_file(id.as_str()).await? {
            Some((file, _)) => file.name,
            None => self
                .attachment_meta(id)
                .await?
                .map_or_else(|| "file".to_owned(), |m| m.name),
        };
        let dest_dir = dest_dir.to_owned();
        Ok(tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dest_dir)?;
            let (path, mut out) = create_unique(&dest_dir, &safe_component(&name))?;
            let copied = (|| {
                let mut input = std::fs::File::open(&source)?;
                std::io::copy(&mut input, &mut out)?;
                out.sync_all()
            })();
            if let Err(e) = copied {
                let _ = std::fs::remove_file(&path);
                return Err(anyhow::anyhow!("cannot save to {}: {e}", path.display()));
            }
            Ok::<_, anyhow::Error>(path)
        })
        .await??)
    }
}

/// How often an upload reports its progress, at most.
const UPLOAD_PROGRESS_EVERY_MS: u64 = 150;

/// An entry's uploads in flight, registered for `Cancel upload` while it lives.
struct Uploading<'a> {
    engine: &'a Engine,
    client_id: Uuid,
}

impl<'a> Uploading<'a> {
    fn start(
        engine: &'a Engine,
        client_id: Uuid,
        token: tokio_util::sync::CancellationToken,
    ) -> Self {
        engine
            .inner
            .uploads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(client_id, token);
        Self { engine, client_id }
    }
}

impl Drop for Uploading<'_> {
    fn drop(&mut self) {
        self.engine
            .inner
            .uploads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.client_id);
    }
}

/// Why the files of an outbox entry could not all be uploaded.
#[derive(Debug)]
pub(crate) enum UploadFailure {
    /// `Cancel upload`: the entry is discarded.
    Cancelled,
    /// The server refused or could not be reached (classified like a send).
    Api(String, ApiError),
    /// The staged file is gone from disk: the message can't be sent as composed.
    Gone(String),
    /// The cache or the keyring failed.
    Local(crate::error::ClientError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_directories_and_control_characters() {
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(sanitize_name("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(sanitize_name(""), "file");
        assert_eq!(sanitize_name(".."), "file");
        assert_eq!(sanitize_name(&"x".repeat(300)).chars().count(), 255);
        assert_eq!(sanitize_name("photo ü.png"), "photo ü.png");
    }

    #[test]
    fn path_components_are_safe() {
        assert_eq!(safe_component("local:abc"), "local_abc");
        assert_eq!(safe_component("..hidden"), "hidden");
        assert_eq!(safe_component("a/b"), "b");
        assert_eq!(safe_component("..."), "file");
        assert_eq!(safe_component("nul.txt"), "_nul.txt");
        assert_eq!(safe_component("Com1"), "_Com1");
        assert_eq!(safe_component("console.log"), "console.log");
        assert_eq!(
            safe_component("жж"),
            "жж",
            "four bytes, no reserved prefix, no panic"
        );
        let long = format!("{}.pdf", "ж".repeat(200));
        let fitted = safe_component(&long);
        assert!(fitted.len() <= 200 && fitted.ends_with(".pdf"), "{fitted}");
        assert_eq!(safe_component("con:x?.txt"), "con_x_.txt");
    }

    #[test]
    fn content_types() {
        assert_eq!(sanitize_content_type("image/png"), "image/png");
        assert_eq!(
            sanitize_content_type("text/plain; charset=utf-8"),
            "text/plain; charset=utf-8"
        );
        assert_eq!(sanitize_content_type(""), "application/octet-stream");
        assert_eq!(
            sanitize_content_type("nonsense"),
            "application/octet-stream"
        );
        assert_eq!(
            sanitize_content_type("a/b\r\nx: y"),
            "application/octet-stream"
        );
        assert_eq!(guess_content_type("X.PNG"), "image/png");
        assert_eq!(guess_content_type("noext"), "application/octet-stream");
    }

    #[test]
    fn unique_names_never_clobber() {
        let dir = tempfile::tempdir().unwrap();
        let (a, _) = create_unique(dir.path(), "r.txt").unwrap();
        let (b, _) = create_unique(dir.path(), "r.txt").unwrap();
        let (c, _) = create_unique(dir.path(), "noext").unwrap();
        let (d, _) = create_unique(dir.path(), "noext").unwrap();
        assert_eq!(a.file_name().unwrap(), "r.txt");
        assert_eq!(b.file_name().unwrap(), "r (1).txt");
        assert_eq!(c.file_name().unwrap(), "noext");
        assert_eq!(d.file_name().unwrap(), "noext (1)");
    }

    #[test]
    fn durable_writes_refuse_too_much() {
        let dir = tempfile::tempdir().unwrap();
        let size = write_durably(dir.path(), "f", std::io::Cursor::new(vec![1; 11]), 10).unwrap();
        assert_eq!(size, 11, "reports that it went over");
        assert!(
            std::fs::read_dir(dir.path()).unwrap().next().is_none(),
            "nothing is left behind"
        );
        write_durably(dir.path(), "f", std::io::Cursor::new(vec![1; 10]), 10).unwrap();
        assert_eq!(std::fs::read(dir.path().join("f")).unwrap(), vec![1; 10]);
    }
}
