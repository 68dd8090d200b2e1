//! Attachment bytes kept in the database, for backends shared by several instances (no
//! shared filesystem needed). A backend without this keeps files in the data dir
//! (`routes/attachments.rs`). Files are stored and read in chunks, so no request ever holds
//! a whole file in memory to serve it.

use std::path::Path;

use async_trait::async_trait;

use super::StoreResult;

/// Bytes per stored chunk.
pub const CHUNK: usize = 1024 * 1024;

#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores the file at `path` under its SHA-256, in one transaction (a file already there
    /// is left as it is).
    async fn put(&self, sha256: &str, path: &Path) -> StoreResult<()>;
    /// How many chunks the file has, if it is stored.
    async fn chunks(&self, sha256: &str) -> StoreResult<Option<i32>>;
    /// Chunk `n` (from 0).
    async fn chunk(&self, sha256: &str, n: i32) -> StoreResult<Vec<u8>>;
    async fn delete(&self, sha256: &str) -> StoreResult<()>;
}
