//! The PostgreSQL backend, for several instances sharing one database (PRODUCT.md §3,
//! "Running several instances"): chosen when `database_url` is a `postgres://` URL.
//!
//! It keeps the persistence interface's guarantees across instances the simple way: every
//! write transaction first takes one cluster-wide advisory lock (the *sequencer*), so write
//! batches of all instances commit one after another. Event ids are then handed out in commit
//! order exactly as SQLite's single writer does (`MAX(id) + 1` under the lock), a reader that
//! sees event `n` sees every event below it, `seq` counters and `client_id` checks never race,
//! and no two batches can deadlock. What it costs: writes don't run in parallel across
//! instances; each instance still batches all its concurrent writes into one transaction
//! (group commit), which is where write throughput comes from. PostgreSQL releases the lock
//! only after the commit is visible, so the next batch's ids are always above visible ones.
//!
//! Driver: the synchronous `postgres` crate on dedicated threads (the writer) and blocking
//! tasks (readers), because the persistence interface is synchronous (the rules run inside a
//! transaction, as with SQLite). Statements are prepared once per connection.

mod attachments;
mod blobs;
mod conversations;
mod messages;
mod users;
mod writer;

use std::{
    collections::HashMap,
    str::FromStr,
    sync::{Arc, Mutex},
    time::Duration,
};

use postgres::{Client, NoTls, Statement, types::ToSql};
use tokio::sync::Semaphore;

use super::{
    EventSink, StoreError, StoreResult, Ticket,
    blobs::BlobStore,
    persist::{Backend, Reader, Tx},
    rules::messages::SendRequest,
};
use crate::metrics::Metrics;
use writer::Writer;

/// The sequencer: the advisory lock every write transaction takes first.
const SEQUENCER_LOCK: i64 = 0x7061_726c_6579_0001;
/// Taken while migrating, so instances starting together migrate once.
const MIGRATION_LOCK: i64 = 0x7061_726c_6579_0002;
/// An abandoned read (its request went away) is stopped by the server after this long.
const READ_STATEMENT_TIMEOUT: &str = "30s";
/// Connections that store and read attachment bytes.
const BLOB_CONNECTIONS: usize = 2;

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

/// Whether PostgreSQL refused a text value for holding U+0000.
fn holds_nul(e: &postgres::Error) -> bool {
    e.code() == Some(&postgres::error::SqlState::CHARACTER_NOT_IN_REPERTOIRE)
}

/// Driver errors → store errors; constraint violations are conflicts; text PostgreSQL can't
/// store (U+0000) is invalid input.
pub(super) fn pg_err(e: postgres::Error) -> StoreError {
    use postgres::error::SqlState;
    match e.code() {
        Some(code)
            if *code == SqlState::UNIQUE_VIOLATION
                || *code == SqlState::FOREIGN_KEY_VIOLATION
                || *code == SqlState::CHECK_VIOLATION =>
        {
            StoreError::Conflict(
                e.as_db_error()
                    .map_or_else(|| "already exists".to_owned(), |d| d.message().to_owned()),
            )
        }
        _ if holds_nul(&e) => {
            StoreError::Invalid("text may not contain U+0000 (NUL) characters".to_owned())
        }
        _ => StoreError::Other(e.to_string()),
    }
}

/// One connection and its prepared statements.
pub struct PgConn {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

impl PgConn {
    fn connect(config: &postgres::Config) -> StoreResult<Self> {
        let client = config.connect(NoTls).map_err(pg_err)?;
        Ok(Self {
            client,
            statements: HashMap::new(),
        })
    }

    fn statement(&mut self, sql: &'static str) -> StoreResult<Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql).map_err(pg_err)?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }

    /// Rows of a query. A text parameter holding U+0000 (which PostgreSQL's text can't
    /// hold, so no stored value equals it) matches nothing, as it would in SQLite.
    pub(super) fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> StoreResult<Vec<postgres::Row>> {
        let statement = self.statement(sql)?;
        match self.client.query(&statement, params) {
            Err(e) if holds_nul(&e) => Ok(Vec::new()),
            other => other.map_err(pg_err),
        }
    }

    pub(super) fn query_opt(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> StoreResult<Option<postgres::Row>> {
        let statement = self.statement(sql)?;
        match self.client.query_opt(&statement, params) {
            Err(e) if holds_nul(&e) => Ok(None),
            other => other.map_err(pg_err),
        }
    }

    pub(super) fn query_one(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> StoreResult<postgres::Row> {
        self.query_opt(sql, params)?.ok_or(StoreError::NotFound)
    }

    pub(super) fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> StoreResult<u64> {
        let statement = self.statement(sql)?;
        self.client.execute(&statement, params).map_err(pg_err)
    }

    pub(super) fn batch(&mut self, sql: &str) -> StoreResult<()> {
        self.client.batch_execute(sql).map_err(pg_err)
    }

    fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

/// A connection seen through the persistence interface: the reads live in the per-table
/// modules as `impl …Reads for PgDb`.
pub struct PgDb<'c>(pub(super) &'c mut PgConn);

/// Read connections handed out one at a time to blocking tasks; a broken one is replaced on
/// its next use. As with SQLite, the permit travels into the blocking task, so a dropped
/// request can never hand its slot on while its query still runs.
struct ReadPool {
    config: postgres::Config,
    /// Read-only connections (readers) or not (the blob store's).
    read_only: bool,
    conns: Mutex<Vec<PgConn>>,
    permits: Arc<Semaphore>,
}

impl ReadPool {
    fn take(&self) -> StoreResult<PgConn> {
        let pooled = self
            .conns
            .lock()
            .map_err(|e| StoreError::Other(e.to_string()))?
            .pop();
        match pooled {
            Some(conn) if !conn.is_closed() => Ok(conn),
            _ => connect(&self.config, self.read_only),
        }
    }

    fn give_back(&self, conn: PgConn) {
        if let Ok(mut conns) = self.conns.lock() {
            conns.push(conn);
        }
    }

    /// Runs `f` on a pooled connection on the blocking pool. The permit moves into the
    /// blocking task and is released only after the connection is back.
    async fn run<T, F>(self: &Arc<Self>, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgConn) -> StoreResult<T> + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = pool.take()?;
            let result = f(&mut conn);
            if !conn.is_closed() {
                pool.give_back(conn);
            }
            result
        })
        .await
        .map_err(|e| StoreError::Other(e.to_string()))?
    }
}

impl Drop for ReadPool {
    /// The synchronous client closes its connection by blocking on its own runtime, which
    /// must not happen on an async runtime's thread (where the store is dropped): the
    /// connections are closed on a thread of their own.
    fn drop(&mut self) {
        let conns = self.conns.get_mut().map(std::mem::take).unwrap_or_default();
        if !conns.is_empty() {
            let _ = std::thread::Builder::new()
                .name("parley-pg-close".to_owned())
                .spawn(move || drop(conns));
        }
    }
}

fn connect(config: &postgres::Config, read_only: bool) -> StoreResult<PgConn> {
    let mut conn = PgConn::connect(config)?;
    conn.batch(&format!(
        "SET statement_timeout = '{READ_STATEMENT_TIMEOUT}'; \
         SET default_transaction_read_only = {}",
        if read_only { "on" } else { "off" }
    ))?;
    Ok(conn)
}

/// The PostgreSQL backend.
pub struct PgBackend {
    writer: Writer,
    readers: Arc<ReadPool>,
    blobs: Arc<blobs::PgBlobs>,
}

impl PgBackend {
    /// Connects to `url`, migrates the database (once, however many instances start) and
    /// starts the writer.
    pub fn open(
        url: &str,
        read_connections: usize,
        sink: Arc<dyn EventSink>,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Self> {
        let mut config = postgres::Config::from_str(url)
            .map_err(|e| anyhow::anyhow!("database_url is not a PostgreSQL URL: {e}"))?;
        config
            .application_name("parley-server")
            .connect_timeout(Duration::from_secs(10));
        migrate_schema(&config)?;
        let writer = Writer::start(config.clone(), sink, metrics)?;
        let blobs = Arc::new(blobs::PgBlobs {
            pool: Arc::new(ReadPool {
                config: config.clone(),
                read_only: false,
                conns: Mutex::new(Vec::new()),
                permits: Arc::new(Semaphore::new(BLOB_CONNECTIONS)),
            }),
        });
        let readers = Arc::new(ReadPool {
            config,
            read_only: true,
            conns: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(read_connections)),
        });
        Ok(Self {
            writer,
            readers,
            blobs,
        })
    }
}

pub(super) use messages::lexemes;

/// Brings the database's schema to this version (once, however many instances start).
pub(super) fn migrate_schema(config: &postgres::Config) -> anyhow::Result<()> {
    let mut client = config
        .connect(NoTls)
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let migrated = embedded::migrations::runner()
        .set_grouped(true)
        .run(&mut client);
    client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
    migrated.map_err(|e| anyhow::anyhow!("cannot migrate the database: {e}"))?;
    Ok(())
}

impl Backend for PgBackend {
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Reader) -> StoreResult<T> + Send + 'static,
    {
        self.readers.run(move |conn| f(&mut PgDb(conn))).await
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

    fn blobs(&self) -> Option<Arc<dyn BlobStore>> {
        Some(self.blobs.clone())
    }
}
