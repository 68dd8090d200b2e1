//! Attachments: streamed to disk under the data dir, content-addressed by SHA-256.
//!
//! Files live at `data_dir/attachments/<first two hex>/<sha256>`; identical uploads share
//! one file. Thumbnails are made on first request and kept in `data_dir/thumbnails/`.

use std::{io::Cursor, path::PathBuf};

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
use tokio::io::AsyncWriteExt;

use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::{AuthUser, Json, Path, Query},
    store::NewAttachment,
};

const THUMBNAIL_EDGE: u32 = 320;

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

/// POST /api/v1/attachments?name=FILE
///
/// The raw body is the file (its `Content-Type` is kept). Streamed to disk while hashing;
/// over `max_attachment_bytes` (25 MiB by default) is a 413 and nothing is kept.
#[utoipa::path(post, path = "/api/v1/attachments", tag = "attachments", params(("name" = Option<String>, Query)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Attachment), (status = 400, body = parley_protocol::ErrorBody), (status = 413, body = parley_protocol::ErrorBody)))]
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
    let max = state.config.max_attachment_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max) {
        return Err(too_large(max));
    }
    let tmp_dir = state.config.data_dir.join("tmp");
    tokio::fs::create_dir_all(&tmp_dir).await.map_err(io_err)?;
    let tmp_path = tmp_dir.join(uuid::Uuid::new_v4().to_string());
    let result = receive(&tmp_path, body, max).await;
    let (size, sha256) = match result {
        Ok(done) => done,
        Err(e) => {
            let _ = tokio::fs::remove_file(&tmp_path).await;
            return Err(e);
        }
    };
    let final_path = blob_path(&state, &sha256);
    if let Some(dir) = final_path.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(io_err)?;
    }
    tokio::fs::rename(&tmp_path, &final_path)
        .await
        .map_err(io_err)?;
    let attachment = NewAttachment {
        id: AttachmentId::new(uuid::Uuid::now_v7().to_string()),
        uploader: user.user_id,
        size: size as i64,
        content_type,
        sha256,
        name,
    };
    Ok((
        StatusCode::CREATED,
        Json(state.store.insert_attachment(attachment).await?),
    ))
}

fn too_large(max: u64) -> ApiError {
    ApiError::TooLarge(format!("attachments may be at most {max} bytes"))
}

fn io_err(e: std::io::Error) -> ApiError {
    ApiError::Internal(format!("attachment storage: {e}"))
}

/// Streams the body into `path`, hashing as it goes; stops at `max` bytes.
async fn receive(path: &std::path::Path, body: Body, max: u64) -> ApiResult<(u64, String)> {
    let mut file = tokio::fs::File::create(path).await.map_err(io_err)?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
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
    let file = tokio::fs::File::open(blob_path(&state, &attachment.sha256))
        .await
        .map_err(io_err)?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
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

/// GET /api/v1/attachments/{id}/thumbnail
///
/// A PNG at most 320 px on its longer side, for image attachments (404 for others or for
/// images that can't be decoded).
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
    let cached = state
        .config
        .data_dir
        .join("thumbnails")
        .join(format!("{}.png", attachment.sha256));
    let png = match tokio::fs::read(&cached).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let source = blob_path(&state, &attachment.sha256);
            let png = tokio::task::spawn_blocking(move || make_thumbnail(&source))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?
                .ok_or(ApiError::NotFound)?;
            if let Some(dir) = cached.parent() {
                let _ = tokio::fs::create_dir_all(dir).await;
            }
            let _ = tokio::fs::write(&cached, &png).await;
            png
        }
    };
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

/// Decodes with limits (no decompression bombs) and scales down; `None` if not an image.
fn make_thumbnail(path: &std::path::Path) -> Option<Vec<u8>> {
    let bytes = std::fs::read(path).ok()?;
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
