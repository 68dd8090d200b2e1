//! Attachment bytes in PostgreSQL (`blobs`, `blob_chunks`). Writes go through a connection
//! of their own, outside the writers' sequencer: files have no events, and a 25 MiB insert
//! must not hold up everyone's messages.

use std::{io::Read, path::Path, sync::Arc};

use async_trait::async_trait;

use super::{ReadPool, pg_err};
use crate::store::{
    StoreError, StoreResult,
    blobs::{BlobStore, CHUNK},
};

pub struct PgBlobs {
    /// Connections that may write.
    pub(super) pool: Arc<ReadPool>,
}

impl PgBlobs {
    async fn with_conn<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut postgres::Client) -> StoreResult<T> + Send + 'static,
    {
        self.pool.run(move |conn| f(&mut conn.client)).await
    }
}

#[async_trait]
impl BlobStore for PgBlobs {
    async fn put(&self, sha256: &str, path: &Path) -> StoreResult<()> {
        let (sha256, path) = (sha256.to_owned(), path.to_owned());
        self.with_conn(move |client| {
            let mut file = std::fs::File::open(&path)
                .map_err(|e| StoreError::Other(format!("cannot read the upload: {e}")))?;
            let size = file
                .metadata()
                .map_err(|e| StoreError::Other(e.to_string()))?
                .len();
            let chunks = i32::try_from(size.div_ceil(CHUNK as u64).max(1))
                .map_err(|_| StoreError::Invalid("file too large".to_owned()))?;
            let mut tx = client.transaction().map_err(pg_err)?;
            let fresh = tx
                .execute(
                    "INSERT INTO blobs (sha256, size, chunks) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    &[&sha256, &(size as i64), &chunks],
                )
                .map_err(pg_err)?;
            if fresh == 0 {
                return Ok(());
            }
            let mut buffer = vec![0u8; CHUNK];
            for n in 0..chunks {
                let mut filled = 0;
                while filled < CHUNK {
                    let read = file
                        .read(&mut buffer[filled..])
                        .map_err(|e| StoreError::Other(e.to_string()))?;
                    if read == 0 {
                        break;
                    }
                    filled += read;
                }
                tx.execute(
                    "INSERT INTO blob_chunks (sha256, n, data) VALUES ($1, $2, $3)",
                    &[&sha256, &n, &&buffer[..filled]],
                )
                .map_err(pg_err)?;
            }
            tx.commit().map_err(pg_err)
        })
        .await
    }

    async fn chunks(&self, sha256: &str) -> StoreResult<Option<i32>> {
        let sha256 = sha256.to_owned();
        self.with_conn(move |client| {
            Ok(client
                .query_opt("SELECT chunks FROM blobs WHERE sha256 = $1", &[&sha256])
                .map_err(pg_err)?
                .map(|r| r.get(0)))
        })
        .await
    }

    async fn chunk(&self, sha256: &str, n: i32) -> StoreResult<Vec<u8>> {
        let sha256 = sha256.to_owned();
        self.with_conn(move |client| {
            client
                .query_opt(
                    "SELECT data FROM blob_chunks WHERE sha256 = $1 AND n = $2",
                    &[&sha256, &n],
                )
                .map_err(pg_err)?
                .map(|r| r.get(0))
                .ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn delete(&self, sha256: &str) -> StoreResult<()> {
        let sha256 = sha256.to_owned();
        self.with_conn(move |client| {
            client
                .execute("DELETE FROM blobs WHERE sha256 = $1", &[&sha256])
                .map_err(pg_err)?;
            Ok(())
        })
        .await
    }
}
