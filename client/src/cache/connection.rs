//! Opening the cache file: the one connection-init function, the embedded migrations, and the
//! translation of "cannot open" into errors a user can act on.
//!
//! Migrations live in `client/migrations/NNN_name.sql`, are compiled in, applied atomically by
//! `rusqlite_migration` and tracked in `PRAGMA user_version`. A shipped migration is never
//! edited: add the next file instead.

use std::{path::Path, time::Duration};

use rusqlite::{Connection, ErrorCode};
use rusqlite_migration::{M, MigrationDefinitionError, Migrations};

use super::error::CacheError;

/// How long a statement waits for another connection's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Every schema version, oldest first.
pub(super) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/001_initial.sql")),
        M::up(include_str!("../../migrations/002_attachments.sql")),
        M::up(include_str!("../../migrations/003_people.sql")),
        M::up(include_str!("../../migrations/004_changes.sql")),
        M::up(include_str!("../../migrations/005_message_changes.sql")),
    ])
}

/// The one place connections are configured.
///
/// `synchronous = NORMAL` in WAL mode can lose the last transactions on power loss but never
/// corrupts; that is the right trade for a cache whose content the server also holds. The
/// outbox is the exception worth noting: a message composed just before a power cut may be
/// lost, the same as an unsaved draft.
fn init_connection(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )
}

/// Restricts `path` to its owner (Unix mode `mode`) when others could read it: a cache holds
/// the user's messages. Elsewhere the per-user app-data dir is already private.
fn make_private(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let current = std::fs::metadata(path)?.permissions().mode();
        if current & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Creates the database file empty with mode 0600 if it isn't there (SQLite gives its `-wal`
/// and `-shm` files the same mode), or tightens an existing one.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => make_private(path, 0o600),
        Err(e) => Err(e),
    }
}

/// Opens (creating if needed) the cache at `path`, configures and migrates it.
///
/// A file that is not a SQLite database, or not ours, is reported as
/// [`CacheError::Corrupt`] and left exactly as it was.
pub(super) fn open(path: &Path) -> Result<Connection, CacheError> {
    let inaccessible = |e: std::io::Error| CacheError::Inaccessible {
        path: path.to_owned(),
        detail: e.to_string(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(inaccessible)?;
        make_private(dir, 0o700).map_err(inaccessible)?;
    }
    create_private(path).map_err(inaccessible)?;
    let mut conn = Connection::open(path).map_err(|e| classify(path, e))?;
    init_connection(&conn).map_err(|e| classify(path, e))?;
    migrations()
        .to_latest(&mut conn)
        .map_err(|e| migration_error(path, e))?;
    Ok(conn)
}

/// Sorts a driver error into corrupt (the file's content is the problem), inaccessible (the
/// environment is) or, for anything else, a plain SQLite error.
fn classify(path: &Path, err: rusqlite::Error) -> CacheError {
    let corrupt = || CacheError::Corrupt {
        path: path.to_owned(),
        detail: err.to_string(),
    };
    let inaccessible = || CacheError::Inaccessible {
        path: path.to_owned(),
        detail: err.to_string(),
    };
    // A failing migration statement comes back as `SqlInputError`, which `sqlite_error_code`
    // does not look into.
    let code = match &err {
        rusqlite::Error::SqlInputError { error, .. } => Some(error.code),
        other => other.sqlite_error_code(),
    };
    match code {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => corrupt(),
        Some(
            ErrorCode::CannotOpen
            | ErrorCode::PermissionDenied
            | ErrorCode::ReadOnly
            | ErrorCode::DiskFull
            | ErrorCode::SystemIoFailure
            | ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked,
        ) => inaccessible(),
        // A valid SQLite file whose tables clash with ours: some other program's database.
        Some(_) => corrupt(),
        None => CacheError::Sqlite(err),
    }
}

fn migration_error(path: &Path, err: rusqlite_migration::Error) -> CacheError {
    let detail = err.to_string();
    match err {
        rusqlite_migration::Error::RusqliteError { err, .. } => classify(path, err),
        rusqlite_migration::Error::MigrationDefinition(
            MigrationDefinitionError::DatabaseTooFarAhead,
        ) => CacheError::TooNew {
            path: path.to_owned(),
            detail,
        },
        _ => CacheError::Corrupt {
            path: path.to_owned(),
            detail,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations()
            .validate()
            .expect("the embedded migrations must apply cleanly to an empty database");
    }

    #[test]
    fn connections_use_wal_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(&dir.path().join("c.sqlite")).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal", "the cache must run in WAL mode");
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1, "foreign keys must be enforced");
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 1, "synchronous must be NORMAL (1)");
    }

    #[cfg(unix)]
    #[test]
    fn the_cache_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("profile");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.join("c.sqlite");
        let conn = open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700, "the profile directory is tightened");
        assert_eq!(mode(&path), 0o600, "the database");
        assert_eq!(mode(&dir.join("c.sqlite-wal")), 0o600, "its WAL follows");
    }
}
