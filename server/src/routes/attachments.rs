//! Attachments: streamed to disk under the data dir, content-addressed by SHA-256.
//!
//! Files live at `data_dir/attachments/<first two hex>/<sha256>`; identical uploads share
//! one file. An upload is written to `data_dir/tmp/` first (removed if the request fails,
//! stalls or is dropped), fsynced, renamed into place and the directory fsynced, so an
//! acknowledged upload survives power loss. Thumbnails are made once per file, by at most
//! `thumbnail_workers` decodes at a time and one per file at a time, and kept (atomically
//! written) in `data_dir/thumbnails/`; a file that can't be thumbnailed is remembered as
//! such (`<sha256>.none`) so it is not decoded again.

use std::{
    collections::HashMap,
    io::Cursor,
    path::{Path as FsPath, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use futures_util::StreamExt;
use parley_protocol::{
    Attachment, AttachmentId, AttachmentQuery,
    limits::{self, ATTACHMENT_NAME_MAX_CHARS},
};
use sha2::{Digest, Sha256};
use tokio::{io::AsyncWriteExt, sync::Semaphore};

use crate::{
    AppState,
    clock::now_ms,
    error::{ApiError, ApiResult},
    extract::{AuthUser, Json, Path, Query},
    ratelimit::Write,
    store::{NewAttachment, blobs::BlobStore},
};

const THUMBNAIL_EDGE: u32 = 320;
/// Uploads no message carries are forgotten after this long (PRODUCT.md §2).
const UNATTACHED_TTL_MS: i64 = 24 * 3600 * 1000;
/// Files and temp files nothing refers to are deleted once at least this old: younger ones
/// may belong to an upload that is between its rename and its row.
const ORPHAN_GRACE: Duration = Duration::from_secs(3600);

pub fn upload_router(_state: &AppState) -> Router<AppState> {
    Router::new().route(
        "/api/v1/attachments",
        post(upload).layer(DefaultBodyLimit::disable()),
    )
}

pub fn read_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/attachments/{id}", get(download))
        .route("/api/v1/attachments/{id}/thumbnail", get(thumbnail))
}

fn blob_path(state: &AppState, sha256: &str) -> PathBuf {
    state
        .config
        .data_dir
        .join("attachments")
        .join(&sha256[..2])
        .join(sha256)
}

fn content_type_of(headers: &HeaderMap) -> ApiResult<String> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok("application/octet-stream".to_owned());
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::invalid("Content-Type must be ASCII"))?
        .trim();
    if value.is_empty() || value.len() > 255 || !value.contains('/') {
        return Err(ApiError::invalid(
            "Content-Type must look like type/subtype",
        ));
    }
    Ok(value.to_owned())
}

/// POST /api/v1/attachments?name=FILE&client_id=UUID
///
/// The raw body is the file (its `Content-Type` is kept). Streamed to disk while hashing;
/// over `max_attachment_bytes` (25 MiB by default) is a 413 `too_large`, past the uploader's
/// `attachment_quota_bytes` a 413 `quota_exceeded`, a body that sends nothing for
/// `upload_stall_timeout` seconds a 408; in each case nothing is kept. With `client_id`,
/// repeating the upload returns the first attachment with 200.
#[utoipa::path(post, path = "/api/v1/attachments", tag = "attachments",
    params(("name" = Option<String>, Query), ("client_id" = Option<String>, Query)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Attachment), (status = 200, body = Attachment), (status = 400, body = parley_protocol::ErrorBody),
              (status = 408, body = parley_protocol::ErrorBody), (status = 413, body = parley_protocol::ErrorBody),
              (status = 429, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn upload(
    State(state): State<AppState>,
    user: AuthUser,
    Query(query): Query<AttachmentQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Attachment>)> {
    let name = query.name.unwrap_or_else(|| "file".to_owned());
    limits::validate_label("name", &name, ATTACHMENT_NAME_MAX_CHARS)?;
    let content_type = content_type_of(&headers)?;
    if let Some(client_id) = query.client_id
        && let Some(existing) = state
            .store
            .attachment_by_client_id(&user.user_id, client_id)
            .await?
    {
        return Ok((StatusCode::OK, Json(existing)));
    }
    state.limits.check_write(&user.user_id, Write::Other)?;
    let config = &state.config;
    let max = config.max_attachment_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max) {
        return Err(too_large(max));
    }
    let used = state.store.attachment_bytes(&user.user_id).await?;
    if used.saturating_add(declared.unwrap_or(1)) > config.attachment_quota_bytes {
        return Err(ApiError::TooLargeCode {
            code: "quota_exceeded",
            message: format!(
                "your attachments take {used} of your {} bytes; delete messages with files to free space",
                config.attachment_quota_bytes
            ),
        });
    }
    let tmp_dir = config.data_dir.join("tmp");
    create_private_dir(&tmp_dir).await?;
    let tmp = TempUpload::new(tmp_dir.join(uuid::Uuid::new_v4().to_string()));
    let stall = Duration::from_secs(config.upload_stall_timeout);
    let (size, sha256) = receive(tmp.path(), body, max, stall).await?;
    match state.store.blobs() {
        // Into the database (several instances): the temp file goes when `tmp` drops.
        Some(blobs) => blobs.put(&sha256, tmp.path()).await?,
        None => {
            let final_path = blob_path(&state, &sha256);
            if let Some(dir) = final_path.parent() {
                create_private_dir(dir).await?;
            }
            tmp.persist(&final_path).await?;
        }
    }
    let attachment = NewAttachment {
        id: AttachmentId::new(uuid::Uuid::now_v7().to_string()),
        uploader: user.user_id,
        client_id: query.client_id,
        size: size as i64,
        content_type,
        sha256,
        name,
    };
    let (attachment, created) = state
        .store
        .insert_attachment(attachment, config.attachment_quota_bytes)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(attachment)))
}

fn too_large(max: u64) -> ApiError {
    ApiError::TooLarge(format!("attachments may be at most {max} bytes"))
}

fn io_err(e: std::io::Error) -> ApiError {
    ApiError::Internal(format!("attachment storage: {e}"))
}

/// Creates `dir` (and its parents) readable by the server's user only.
async fn create_private_dir(dir: &FsPath) -> ApiResult<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir).await.map_err(io_err)
}

/// An upload's temp file: deleted when dropped unless it was moved into place, so a failed,
/// stalled or cancelled upload (the client went away mid-body) leaves nothing behind.
struct TempUpload {
    path: PathBuf,
    kept: bool,
}

impl TempUpload {
    fn new(path: PathBuf) -> Self {
        Self { path, kept: false }
    }

    fn path(&self) -> &FsPath {
        &self.path
    }

    /// Renames the file to `dest` and fsyncs `dest`'s directory, so the rename itself is
    /// durable before the upload is acknowledged.
    async fn persist(mut self, dest: &FsPath) -> ApiResult<()> {
        tokio::fs::rename(&self.path, dest).await.map_err(io_err)?;
        self.kept = true;
        #[cfg(unix)]
        if let Some(dir) = dest.parent() {
            tokio::fs::File::open(dir)
                .await
                .map_err(io_err)?
                .sync_all()
                .await
                .map_err(io_err)?;
        }
        Ok(())
    }
}

impl Drop for TempUpload {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Streams the body into `path`, hashing as it goes; stops at `max` bytes, and when no
/// bytes arrive for `stall`.
async fn receive(path: &FsPath, body: Body, max: u64, stall: Duration) -> ApiResult<(u64, String)> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path).await.map_err(io_err)?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut stream = body.into_data_stream();
    loop {
        let next = tokio::time::timeout(stall, stream.next())
            .await
            .map_err(|_| {
                ApiError::RequestTimeout(format!(
                    "the upload sent nothing for {} s and was cut off",
                    stall.as_secs()
                ))
            })?;
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(|e| ApiError::invalid(format!("upload interrupted: {e}")))?;
        size += chunk.len() as u64;
        if size > max {
            return Err(too_large(max));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(io_err)?;
    }
    file.sync_all().await.map_err(io_err)?;
    Ok((size, hex::encode(hasher.finalize())))
}

/// GET /api/v1/attachments/{id}
///
/// To its uploader and to members of a conversation it was sent in; 404 to anyone else.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "attachments", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn download(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<AttachmentId>,
) -> ApiResult<Response> {
    let attachment = state.store.attachment(&user.user_id, &id).await?;
    let body = match state.store.blobs() {
        Some(blobs) => {
            let chunks = blobs
                .chunks(&attachment.sha256)
                .await?
                .ok_or(ApiError::NotFound)?;
            Body::from_stream(chunk_stream(blobs, attachment.sha256.clone(), chunks))
        }
        None => {
            let file = tokio::fs::File::open(blob_path(&state, &attachment.sha256))
                .await
                .map_err(io_err)?;
            Body::from_stream(tokio_util::io::ReaderStream::new(file))
        }
    };
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        parley_protocol::percent_encode(&attachment.name)
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&attachment.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(attachment.size as u64),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// A stored file's chunks, read one at a time as the client takes them.
fn chunk_stream(
    blobs: Arc<dyn BlobStore>,
    sha256: String,
    chunks: i32,
) -> impl futures_util::Stream<Item = std::io::Result<bytes::Bytes>> {
    futures_util::stream::unfold(0, move |n| {
        let (blobs, sha256) = (blobs.clone(), sha256.clone());
        async move {
            if n >= chunks {
                return None;
            }
            let chunk = blobs
                .chunk(&sha256, n)
                .await
                .map(bytes::Bytes::from)
                .map_err(std::io::Error::other);
            Some((chunk, n + 1))
        }
    })
}

/// The whole of a file the database keeps (for thumbnails: bounded by the upload limit).
async fn read_blob(blobs: &dyn BlobStore, sha256: &str) -> ApiResult<Vec<u8>> {
    let chunks = blobs.chunks(sha256).await?.ok_or(ApiError::NotFound)?;
    let mut bytes = Vec::new();
    for n in 0..chunks {
        bytes.extend_from_slice(&blobs.chunk(sha256, n).await?);
    }
    Ok(bytes)
}

/// GET /api/v1/attachments/{id}/thumbnail
///
/// A PNG at most 320 px on its longer side, for image attachments (404 for others or for
/// images that can't be decoded). Made once per file and kept.
#[utoipa::path(get, path = "/api/v1/attachments/{id}/thumbnail", tag = "attachments", params(("id" = String, Path)),
    responses((status = 200, content_type = "image/png", body = Vec<u8>), (status = 404, body = parley_protocol::ErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn thumbnail(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<AttachmentId>,
) -> ApiResult<Response> {
    let attachment = state.store.attachment(&user.user_id, &id).await?;
    if !attachment.content_type.starts_with("image/") {
        return Err(ApiError::NotFound);
    }
    let png = state
        .thumbnails
        .get(&state, &attachment.sha256)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

/// Thumbnails: cached on disk, made at most once per file at a time, and by at most
/// `thumbnail_workers` decodes at once (a decode may take up to 256 MiB).
pub struct Thumbnails {
    workers: Arc<Semaphore>,
    /// One lock per file being thumbnailed: a second request waits for the first's result
    /// instead of decoding again.
    in_flight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Thumbnails {
    pub fn new(workers: usize) -> Arc<Self> {
        Arc::new(Self {
            workers: Arc::new(Semaphore::new(workers)),
            in_flight: Mutex::new(HashMap::new()),
        })
    }

    /// The PNG for the file with this hash, or `None` if it isn't a picture we can read.
    async fn get(&self, state: &AppState, sha256: &str) -> ApiResult<Option<Vec<u8>>> {
        let dir = state.config.data_dir.join("thumbnails");
        let cached = dir.join(format!("{sha256}.png"));
        let failed = dir.join(format!("{sha256}.none"));
        if let Some(found) = read_cached(&cached, &failed).await {
            return Ok(found);
        }
        let lock = self.lock_for(sha256);
        let guard = lock.lock().await;
        // Whoever held the lock before us may have made it.
        let result = match read_cached(&cached, &failed).await {
            Some(found) => Ok(found),
            None => self.make(state, sha256, &dir, &cached, &failed).await,
        };
        drop(guard);
        self.release(sha256, &lock);
        result
    }

    fn lock_for(&self, sha256: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(sha256.to_owned()).or_default().clone()
    }

    /// Forgets the file's lock once no one else holds or waits for it.
    fn release(&self, sha256: &str, lock: &Arc<tokio::sync::Mutex<()>>) {
        let mut map = self
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Ours plus the map's: nobody else has a clone.
        if Arc::strong_count(lock) <= 2 {
            map.remove(sha256);
        }
    }

    async fn make(
        &self,
        state: &AppState,
        sha256: &str,
        dir: &FsPath,
        cached: &FsPath,
        failed: &FsPath,
    ) -> ApiResult<Option<Vec<u8>>> {
        let permit = self
            .workers
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let source = match state.store.blobs() {
            Some(blobs) => Some(read_blob(&*blobs, sha256).await?),
            None => tokio::fs::read(blob_path(state, sha256)).await.ok(),
        };
        state.metrics.thumbnails_made.inc();
        // The permit moves into the blocking task: a dropped request can't free it while
        // the decode still runs.
        let png = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            make_thumbnail(source?)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
        create_private_dir(dir).await?;
        let (target, bytes): (&FsPath, &[u8]) = match &png {
            Some(png) => (cached, png),
            None => (failed, b""),
        };
        write_atomically(target, bytes).await?;
        Ok(png)
    }
}

/// `Some(Some(png))` for a thumbnail made before, `Some(None)` for a file known not to be a
/// readable picture, `None` if it hasn't been tried.
async fn read_cached(cached: &FsPath, failed: &FsPath) -> Option<Option<Vec<u8>>> {
    if let Ok(png) = tokio::fs::read(cached).await {
        return Some(Some(png));
    }
    tokio::fs::try_exists(failed)
        .await
        .ok()
        .filter(|exists| *exists)
        .map(|_| None)
}

/// Writes `bytes` to a temp file beside `path` and renames it over `path`: a reader sees
/// the whole file or none of it.
async fn write_atomically(path: &FsPath, bytes: &[u8]) -> ApiResult<()> {
    let tmp = TempUpload::new(path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4())));
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(tmp.path()).await.map_err(io_err)?;
    file.write_all(bytes).await.map_err(io_err)?;
    file.sync_all().await.map_err(io_err)?;
    tmp.persist(path).await
}

/// The hourly sweep: forgets uploads older than a day that no message carries, deletes the
/// files (and thumbnails) nothing refers to any more, and temp files a crash left behind.
pub async fn sweep_unattached(state: &AppState) {
    let unused = match state
        .store
        .sweep_unattached(now_ms() - UNATTACHED_TTL_MS)
        .await
    {
        Ok(unused) => unused,
        Err(e) => {
            tracing::warn!(error = %e, "attachment sweep failed");
            return;
        }
    };
    for sha256 in &unused {
        // Checked again: an identical file may have been uploaded since the rows went.
        if matches!(state.store.blob_in_use(sha256).await, Ok(false)) {
            match state.store.blobs() {
                Some(blobs) => {
                    if let Err(e) = blobs.delete(sha256).await {
                        tracing::warn!(error = %e, "could not delete a stored file");
                    }
                }
                None => {
                    let _ = tokio::fs::remove_file(blob_path(state, sha256)).await;
                }
            }
            let thumbnails = state.config.data_dir.join("thumbnails");
            let _ = tokio::fs::remove_file(thumbnails.join(format!("{sha256}.png"))).await;
            let _ = tokio::fs::remove_file(thumbnails.join(format!("{sha256}.none"))).await;
        }
    }
    let stale = remove_stale_files(&state.config.data_dir.join("tmp")).await;
    if !unused.is_empty() || stale > 0 {
        tracing::info!(
            files = unused.len(),
            temp_files = stale,
            "swept attachments never sent"
        );
    }
}

/// Deletes files in `dir` older than [`ORPHAN_GRACE`]; returns how many.
async fn remove_stale_files(dir: &FsPath) -> usize {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return 0;
    };
    let mut removed = 0;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let old = entry
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > ORPHAN_GRACE);
        if old && tokio::fs::remove_file(entry.path()).await.is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Decodes with limits (no decompression bombs) and scales down; `None` if not an image.
fn make_thumbnail(bytes: Vec<u8>) -> Option<Vec<u8>> {
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().ok()?;
    // Scaled down only: a picture smaller than a thumbnail stays as it is.
    let thumb = if image.width() > THUMBNAIL_EDGE || image.height() > THUMBNAIL_EDGE {
        image.thumbnail(THUMBNAIL_EDGE, THUMBNAIL_EDGE)
    } else {
        image
    };
    let mut out = Cursor::new(Vec::new());
    thumb.write_to(&mut out, image::ImageFormat::Png).ok()?;
    Some(out.into_inner())
}
