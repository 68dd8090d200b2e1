//! The SQLite backend (the default): one writer thread with group commit, a small pool of
//! read-only connections, WAL, embedded migrations.

mod attachments;
mod conversations;
mod messages;
mod users;
mod writer;

use std::{
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{M, Migrations};
use tokio::sync::Semaphore;

use writer::Writer;

use super::{
    EventSink, StoreError, StoreResult, Ticket,
    persist::{Backend, Reader, Tx},
    rules::messages::SendRequest,
};
use crate::metrics::Metrics;

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../../migrations/001_initial.sql")),
        M::up(include_str!("../../../migrations/002_search_prefixes.sql")),
        M::up(include_str!("../../../migrations/003_hardening.sql")),
        M::up(include_str!("../../../migrations/004_search_words.sql")),
        M::up(include_str!(
            "../../../migrations/005_member_spans_by_conversation.sql"
        )),
        M::up(include_str!("../../../migrations/006_people.sql")),
        M::up(include_str!("../../../migrations/007_marked_unread.sql")),
    ])
}

/// Driver errors → store errors; constraint violations are conflicts.
pub(super) fn sql_err(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
        rusqlite::Error::SqliteFailure(f, msg)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict(msg.unwrap_or_else(|| "already exists".to_owned()))
        }
        other => StoreError::Other(other.to_string()),
    }
}

/// The one place connections are configured.
fn init_connection(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -16000;",
    )?;
    Ok(())
}

/// Read-only connections, handed out one at a time to blocking tasks.
///
/// Cancellation: a request future may be dropped at any await (client gone, timeout). The
/// semaphore permit therefore travels *into* the blocking task and is released only after
/// the task has put its connection back, so a dropped request can never hand its slot to the
/// next reader while its query still runs (which left the pool empty and every route
/// answering 500). The dropped request also raises a flag that the query's progress handler
/// checks, so the abandoned query stops within a few thousand VM steps instead of running on.
struct ReadPool {
    conns: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

/// A connection taken from the pool; it goes back when this is dropped (also on panic).
struct PooledConn {
    conn: Option<Connection>,
    pool: Arc<ReadPool>,
}

impl PooledConn {
    fn take(pool: &Arc<ReadPool>) -> StoreResult<Self> {
        let conn = pool
            .conns
            .lock()
            .map_err(|e| StoreError::Other(e.to_string()))?
            .pop()
            .ok_or_else(|| StoreError::Other("read pool empty".to_owned()))?;
        Ok(Self {
            conn: Some(conn),
            pool: pool.clone(),
        })
    }
}

impl std::ops::Deref for PooledConn {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
            .as_ref()
            .unwrap_or_else(|| unreachable!("taken only in drop"))
    }
}

impl Drop for PooledConn {
    fn drop(&mut self) {
        if let (Some(conn), Ok(mut conns)) = (self.conn.take(), self.pool.conns.lock()) {
            conns.push(conn);
        }
    }
}

/// Raises its flag when dropped before [`CancelOnDrop::disarm`]: the request went away.
struct CancelOnDrop(Option<Arc<AtomicBool>>);

impl CancelOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(flag) = &self.0 {
            flag.store(true, Ordering::Relaxed);
        }
    }
}

/// VM steps between checks of the cancel flag (a few microseconds of work).
const PROGRESS_STEPS: i32 = 1000;

/// A connection seen through the persistence interface: the SQLite reads live in the
/// per-table modules as `impl …Reads for Db`.
pub struct Db<'c>(pub(super) &'c Connection);

/// The SQLite backend: `parley.db` in the data dir.
pub struct SqliteBackend {
    writer: Writer,
    readers: Arc<ReadPool>,
}

impl SqliteBackend {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(
        path: &Path,
        read_connections: usize,
        sink: Arc<dyn EventSink>,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent() {
            create_private_dir(dir)?;
        }
        create_private_file(path)?;
        let mut conn = Connection::open(path)
            .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", path.display()))?;
        init_connection(&conn)?;
        migrations()
            .to_latest(&mut conn)
            .map_err(|e| anyhow::anyhow!("cannot migrate database {}: {e}", path.display()))?;
        let mut readers = Vec::with_capacity(read_connections);
        for _ in 0..read_connections {
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI,
            )?;
            init_connection(&reader)?;
            readers.push(reader);
        }
        let writer = Writer::start(conn, sink, metrics)?;
        Ok(Self {
            writer,
            readers: Arc::new(ReadPool {
                conns: Mutex::new(readers),
                permits: Arc::new(Semaphore::new(read_connections)),
            }),
        })
    }
}

impl Backend for SqliteBackend {
    /// Runs `f` on a read-only connection on the blocking pool. Safe to cancel: see
    /// `ReadPool`.
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Reader) -> StoreResult<T> + Send + 'static,
    {
        let permit = self
            .readers
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let pool = self.readers.clone();
        let cancelled = Arc::new(AtomicBool::new(false));
        let guard = CancelOnDrop(Some(cancelled.clone()));
        let task = tokio::task::spawn_blocking(move || {
            // Declared first, dropped last: the slot is free only once the connection is back.
            let _permit = permit;
            if cancelled.load(Ordering::Relaxed) {
                return Err(StoreError::Other("cancelled".to_owned()));
            }
            let conn = PooledConn::take(&pool)?;
            conn.progress_handler(
                PROGRESS_STEPS,
                Some(move || cancelled.load(Ordering::Relaxed)),
            )
            .map_err(sql_err)?;
            let result = f(&mut Db(&conn));
            let _ = conn.progress_handler(0, None::<fn() -> bool>);
            result
        });
        let result = task.await.map_err(|e| StoreError::Other(e.to_string()))?;
        guard.disarm();
        result
    }

    async fn submit<T, F>(&self, f: F) -> StoreResult<Ticket<T>>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Tx) -> StoreResult<T> + Send + 'static,
    {
        self.writer.submit(f).await
    }

    async fn submit_send(
        &self,
        request: SendRequest,
    ) -> StoreResult<Ticket<(parley_protocol::Message, bool)>> {
        self.writer.submit_send(request).await
    }
}

/// The database at `path`, migrated to this version, for `parley-server migrate` to copy
/// from (the server must be stopped).
pub(super) fn open_for_copy(path: &Path) -> anyhow::Result<Connection> {
    if !path.exists() {
        anyhow::bail!("no database at {}", path.display());
    }
    let mut conn = Connection::open(path)
        .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", path.display()))?;
    init_connection(&conn)?;
    migrations()
        .to_latest(&mut conn)
        .map_err(|e| anyhow::anyhow!("cannot migrate database {}: {e}", path.display()))?;
    Ok(conn)
}

/// Creates `dir` (and parents) readable by this user only (0700 on Unix); an existing
/// directory is left as the operator set it.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates `path` empty and readable by this user only (0600 on Unix) unless it exists.
/// SQLite gives the `-wal` and `-shm` files the database file's mode, so they follow.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// An online, consistent copy through SQLite's backup API (readers and the writer carry on),
/// readable by this user only, like the database. Nothing is migrated or written in the
/// source, so it is safe beside a running server of another version.
///
/// The copy is made in one step, under one read snapshot: copying page batches between
/// pauses restarts from the beginning whenever the server commits meanwhile, so on a busy
/// server a stepped backup may never finish. In WAL mode the snapshot doesn't block the
/// writer. A failed copy leaves no file behind.
pub(super) fn backup_file(src: &Path, dest: &Path) -> StoreResult<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    if let Err(e) = options.open(dest) {
        return Err(if e.kind() == std::io::ErrorKind::AlreadyExists {
            StoreError::Conflict(format!("{} already exists", dest.display()))
        } else {
            StoreError::Other(format!("cannot create {}: {e}", dest.display()))
        });
    }
    let copied = copy_database(src, dest);
    if copied.is_err() {
        let _ = std::fs::remove_file(dest);
    }
    copied
}

fn copy_database(src: &Path, dest: &Path) -> StoreResult<()> {
    let from =
        Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(sql_err)?;
    from.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(sql_err)?;
    let mut to = Connection::open(dest).map_err(sql_err)?;
    let backup = rusqlite::backup::Backup::new(&from, &mut to).map_err(sql_err)?;
    match backup.step(-1).map_err(sql_err)? {
        rusqlite::backup::StepResult::Done => Ok(()),
        other => Err(StoreError::Other(format!(
            "the backup did not complete ({other:?})"
        ))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}
