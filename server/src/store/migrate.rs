//! `parley-server migrate --to postgres://…`: copies a stopped single box's SQLite database
//! into an empty PostgreSQL database, row for row, so that clients keep their sign-in
//! (sessions and token hashes come along) and their stored cursors keep working (event ids
//! and membership spans come along unchanged).
//!
//! Everything is copied in one PostgreSQL transaction, then read back and compared with the
//! source — row counts and a SHA-256 over every row of every table, in key order — before it
//! commits: a mismatch or any error leaves the target as it was. A target that already holds
//! rows is refused before anything is written.

use std::path::Path;

use postgres::{NoTls, types::ToSql};
use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};

use super::postgres::{lexemes, migrate_schema};

/// Rows per INSERT.
const BATCH: usize = 2000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    OptText,
    Int,
    OptInt,
    Bytes,
    Bool,
}

impl Kind {
    fn pg_array(self) -> &'static str {
        match self {
            Self::Text | Self::OptText => "text[]",
            Self::Int | Self::OptInt => "bigint[]",
            Self::Bytes => "bytea[]",
            Self::Bool => "boolean[]",
        }
    }
}

/// A column as both databases hold it, read into one form.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// One table: its columns (target names; `source` reads them from SQLite in that order) and
/// its key order.
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Kind)],
    source: &'static str,
    order: &'static str,
}

/// Dependency order: every row's references are copied before it.
const TABLES: &[Table] = &[
    Table {
        name: "users",
        columns: &[
            ("id", Kind::Text),
            ("username", Kind::Text),
            ("display_name", Kind::Text),
            ("password_hash", Kind::Text),
            ("created_at", Kind::Int),
            ("show_presence", Kind::Bool),
            ("last_seen_at", Kind::OptInt),
        ],
        source: "SELECT id, username, display_name, password_hash, created_at, show_presence, \
                 last_seen_at FROM users",
        order: "id",
    },
    Table {
        name: "sessions",
        columns: &[
            ("id", Kind::Text),
            ("user_id", Kind::Text),
            ("device_name", Kind::OptText),
            ("access_hash", Kind::Bytes),
            ("access_expires_at", Kind::Int),
            ("refresh_hash", Kind::Bytes),
            ("refresh_expires_at", Kind::Int),
            ("created_at", Kind::Int),
            ("last_seen_at", Kind::Int),
            ("revoked_at", Kind::OptInt),
        ],
        source: "SELECT id, user_id, device_name, access_hash, access_expires_at, refresh_hash, \
                 refresh_expires_at, created_at, last_seen_at, revoked_at FROM sessions",
        order: "id",
    },
    Table {
        name: "spent_refresh_tokens",
        columns: &[("hash", Kind::Bytes), ("session_id", Kind::Text)],
        source: "SELECT hash, session_id FROM spent_refresh_tokens",
        order: "hash",
    },
    Table {
        name: "conversations",
        columns: &[
            ("id", Kind::Text),
            ("kind", Kind::Text),
            ("title", Kind::OptText),
            ("direct_key", Kind::OptText),
            ("created_at", Kind::Int),
            ("last_seq", Kind::Int),
            ("activity", Kind::Int),
        ],
        source: "SELECT id, kind, title, direct_key, created_at, last_seq, activity FROM conversations",
        order: "id",
    },
    Table {
        name: "members",
        columns: &[
            ("conversation_id", Kind::Text),
            ("user_id", Kind::Text),
            ("role", Kind::Text),
            ("last_read_seq", Kind::Int),
            ("notify", Kind::Text),
            ("muted_until", Kind::OptInt),
            ("marked_unread", Kind::Bool),
        ],
        source: "SELECT conversation_id, user_id, role, last_read_seq, notify, muted_until, marked_unread FROM members",
        order: "conversation_id, user_id",
    },
    Table {
        name: "member_spans",
        columns: &[
            ("user_id", Kind::Text),
            ("conversation_id", Kind::Text),
            ("start_event", Kind::Int),
            ("end_event", Kind::OptInt),
        ],
        source: "SELECT user_id, conversation_id, start_event, end_event FROM member_spans",
        order: "user_id, conversation_id, start_event",
    },
    Table {
        name: "messages",
        columns: &[
            ("pk", Kind::Int),
            ("id", Kind::Text),
            ("conversation_id", Kind::Text),
            ("seq", Kind::Int),
            ("sender_id", Kind::Text),
            ("client_id", Kind::Text),
            ("body", Kind::Bytes),
            ("reply_to", Kind::OptText),
            ("created_at", Kind::Int),
            ("edited_at", Kind::OptInt),
            ("deleted", Kind::Bool),
            ("mentions", Kind::Text),
        ],
        source: "SELECT rowid AS pk, id, conversation_id, seq, sender_id, client_id, body, reply_to, \
                 created_at, edited_at, deleted, mentions FROM messages",
        order: "pk",
    },
    Table {
        name: "reactions",
        columns: &[
            ("message_pk", Kind::Int),
            ("emoji", Kind::Text),
            ("user_id", Kind::Text),
            ("created_at", Kind::Int),
        ],
        source: "SELECT message_rowid AS message_pk, emoji, user_id, created_at FROM reactions",
        order: "message_pk, emoji, user_id",
    },
    Table {
        name: "attachments",
        columns: &[
            ("id", Kind::Text),
            ("uploader_id", Kind::Text),
            ("size", Kind::Int),
            ("content_type", Kind::Text),
            ("sha256", Kind::Text),
            ("name", Kind::Text),
            ("created_at", Kind::Int),
            ("client_id", Kind::OptText),
        ],
        source: "SELECT id, uploader_id, size, content_type, sha256, name, created_at, client_id \
                 FROM attachments",
        order: "id",
    },
    Table {
        name: "message_attachments",
        columns: &[
            ("message_pk", Kind::Int),
            ("position", Kind::Int),
            ("attachment_id", Kind::Text),
        ],
        source: "SELECT message_rowid AS message_pk, position, attachment_id FROM message_attachments",
        order: "message_pk, position",
    },
    Table {
        name: "events",
        columns: &[
            ("id", Kind::Int),
            ("conversation_id", Kind::Text),
            ("type", Kind::Text),
            ("at", Kind::Int),
            ("json", Kind::Text),
            ("for_user", Kind::OptText),
        ],
        source: "SELECT id, conversation_id, type, at, json, for_user FROM events",
        order: "id",
    },
];

/// What was copied into one table.
#[derive(Debug)]
pub struct Copied {
    pub table: &'static str,
    pub rows: u64,
    /// SHA-256 over every row in key order, the same read from both databases.
    pub checksum: String,
}

/// Copies the SQLite database at `source` into the empty PostgreSQL database at `url`;
/// `progress(table, rows so far, rows in all)` is called as it goes.
pub fn sqlite_to_postgres(
    source: &Path,
    url: &str,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> anyhow::Result<Vec<Copied>> {
    let sqlite = super::sqlite::open_for_copy(source)?;
    let config: postgres::Config = url
        .parse()
        .map_err(|e| anyhow::anyhow!("--to is not a PostgreSQL URL: {e}"))?;
    let mut target = config
        .connect(NoTls)
        .map_err(|e| anyhow::anyhow!("cannot connect to the target database: {e}"))?;
    refuse_unless_empty(&mut target)?;
    migrate_schema(&config)?;
    let mut tx = target.transaction()?;
    let mut report = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let (rows, checksum) = copy_table(&sqlite, &mut tx, table, progress)?;
        let (back, back_sum) = checksum_target(&mut tx, table)?;
        if (back, &back_sum) != (rows, &checksum) {
            anyhow::bail!(
                "verification failed for {}: {rows} rows copied (sha256 {checksum}), \
                 {back} read back (sha256 {back_sum}); nothing was committed",
                table.name
            );
        }
        report.push(Copied {
            table: table.name,
            rows,
            checksum,
        });
    }
    let files = copy_files(&sqlite, &mut tx, source, progress)?;
    report.push(Copied {
        table: "blobs",
        rows: files,
        checksum: "(each file's own sha256, checked)".to_owned(),
    });
    // Messages keep their keys; new ones continue above them.
    tx.batch_execute(
        "SELECT setval(pg_get_serial_sequence('messages', 'pk'), GREATEST((SELECT MAX(pk) FROM messages), 1))",
    )
    .map_err(|e| described(e, "continuing message keys"))?;
    tx.commit().map_err(|e| described(e, "committing"))?;
    Ok(report)
}

/// Moves the attachment files (`DATA_DIR/attachments/ab/<sha256>`) into `blobs`, each checked
/// against its name; returns how many.
fn copy_files(
    sqlite: &rusqlite::Connection,
    tx: &mut postgres::Transaction<'_>,
    source: &Path,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> anyhow::Result<u64> {
    let dir = source
        .parent()
        .map(|d| d.join("attachments"))
        .unwrap_or_default();
    let mut stmt = sqlite.prepare("SELECT DISTINCT sha256 FROM attachments ORDER BY sha256")?;
    let shas: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let total = shas.len() as u64;
    for (i, sha) in shas.iter().enumerate() {
        let path = dir.join(sha.get(..2).unwrap_or("00")).join(sha);
        let bytes = std::fs::read(&path)
            .map_err(|e| anyhow::anyhow!("attachment file {}: {e}", path.display()))?;
        if hex::encode(Sha256::digest(&bytes)) != *sha {
            anyhow::bail!(
                "attachment file {} does not match its sha256",
                path.display()
            );
        }
        let chunks: Vec<&[u8]> = if bytes.is_empty() {
            vec![&[]]
        } else {
            bytes.chunks(super::blobs::CHUNK).collect()
        };
        tx.execute(
            "INSERT INTO blobs (sha256, size, chunks) VALUES ($1, $2, $3)",
            &[sha, &(bytes.len() as i64), &(chunks.len() as i32)],
        )
        .map_err(|e| described(e, "copying a file"))?;
        for (n, chunk) in chunks.iter().enumerate() {
            tx.execute(
                "INSERT INTO blob_chunks (sha256, n, data) VALUES ($1, $2, $3)",
                &[sha, &(n as i32), chunk],
            )
            .map_err(|e| described(e, "copying a file"))?;
        }
        progress("files", i as u64 + 1, total);
    }
    Ok(total)
}

/// A driver error with the server's own words (the driver's `Display` says only "db error").
fn described(e: postgres::Error, doing: &str) -> anyhow::Error {
    match e.as_db_error() {
        Some(db) => anyhow::anyhow!(
            "{doing}: {}{}",
            db.message(),
            db.detail().map(|d| format!(" ({d})")).unwrap_or_default()
        ),
        None => anyhow::anyhow!("{doing}: {e}"),
    }
}

fn refuse_unless_empty(target: &mut postgres::Client) -> anyhow::Result<()> {
    let exists: bool = target
        .query_one("SELECT to_regclass('public.users') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(());
    }
    let mut found = Vec::new();
    for table in TABLES {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", table.name);
        let present = target
            .query_one(sql.as_str(), &[])
            .map(|r| r.get::<_, bool>(0))
            .unwrap_or(false);
        if present {
            found.push(table.name);
        }
    }
    if !found.is_empty() {
        anyhow::bail!(
            "the target database is not empty (rows in {}): migrate copies into an empty database only; nothing was written",
            found.join(", ")
        );
    }
    Ok(())
}

fn cell(value: ValueRef<'_>) -> Cell {
    match value {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Real(f) => Cell::Text(f.to_string()),
        ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Cell::Bytes(b.to_vec()),
    }
}

/// A source value in the form the target column holds it (SQLite's text bodies are
/// PostgreSQL's bytes).
fn as_kind(cell: Cell, kind: Kind) -> Cell {
    match (cell, kind) {
        (Cell::Text(t), Kind::Bytes) => Cell::Bytes(t.into_bytes()),
        (other, _) => other,
    }
}

fn hash_row(hasher: &mut Sha256, row: &[Cell]) {
    for value in row {
        match value {
            Cell::Null => hasher.update(b"N"),
            Cell::Int(i) => hasher.update(format!("I{i}")),
            Cell::Text(t) => {
                hasher.update(format!("T{}:", t.len()));
                hasher.update(t.as_bytes());
            }
            Cell::Bytes(b) => {
                hasher.update(format!("B{}:", b.len()));
                hasher.update(b);
            }
        }
    }
    hasher.update(b"\n");
}

fn copy_table(
    sqlite: &rusqlite::Connection,
    tx: &mut postgres::Transaction<'_>,
    table: &Table,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> anyhow::Result<(u64, String)> {
    let total: i64 = sqlite.query_row(
        &format!("SELECT COUNT(*) FROM ({})", table.source),
        [],
        |r| r.get(0),
    )?;
    let total = total.max(0) as u64;
    // The source's columns carry the target's names, so one key order serves both.
    let sql = format!("{} ORDER BY {}", table.source, table.order);
    let mut stmt = sqlite.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    let mut hasher = Sha256::new();
    let mut batch: Vec<Vec<Cell>> = Vec::with_capacity(BATCH);
    let mut copied = 0u64;
    progress(table.name, 0, total);
    while let Some(row) = rows.next()? {
        let cells: Vec<Cell> = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| row.get_ref(i).map(|v| as_kind(cell(v), *kind)))
            .collect::<Result<_, _>>()?;
        hash_row(&mut hasher, &cells);
        batch.push(cells);
        if batch.len() == BATCH {
            insert(tx, table, &batch)?;
            copied += batch.len() as u64;
            batch.clear();
            progress(table.name, copied, total);
        }
    }
    if !batch.is_empty() {
        insert(tx, table, &batch)?;
        copied += batch.len() as u64;
    }
    progress(table.name, copied, total);
    Ok((copied, hex::encode(hasher.finalize())))
}

/// One multi-row INSERT from column arrays (`UNNEST`).
fn insert(
    tx: &mut postgres::Transaction<'_>,
    table: &Table,
    rows: &[Vec<Cell>],
) -> anyhow::Result<()> {
    let mut params: Vec<Box<dyn ToSql + Sync>> = Vec::with_capacity(table.columns.len() + 1);
    for (i, (_, kind)) in table.columns.iter().enumerate() {
        let column = rows.iter().map(|r| &r[i]);
        params.push(match kind {
            Kind::Text | Kind::OptText => Box::new(
                column
                    .map(|c| match c {
                        Cell::Text(t) => Some(t.clone()),
                        Cell::Int(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect::<Vec<Option<String>>>(),
            ),
            Kind::Int | Kind::OptInt => Box::new(
                column
                    .map(|c| match c {
                        Cell::Int(n) => Some(*n),
                        _ => None,
                    })
                    .collect::<Vec<Option<i64>>>(),
            ),
            Kind::Bytes => Box::new(
                column
                    .map(|c| match c {
                        Cell::Bytes(b) => Some(b.clone()),
                        Cell::Text(t) => Some(t.as_bytes().to_vec()),
                        _ => None,
                    })
                    .collect::<Vec<Option<Vec<u8>>>>(),
            ),
            Kind::Bool => Box::new(
                column
                    .map(|c| matches!(c, Cell::Int(n) if *n != 0))
                    .collect::<Vec<bool>>(),
            ),
        });
    }
    let names: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
    let arrays: Vec<String> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| format!("${}::{}", i + 1, kind.pg_array()))
        .collect();
    let (extra_column, extra_value) = if table.name == "messages" {
        // The search words, split by the server as it does for every new message.
        let bodies = rows.iter().map(|r| match &r[6] {
            Cell::Text(body) => lexemes(body).join(" "),
            Cell::Bytes(body) => lexemes(&String::from_utf8_lossy(body)).join(" "),
            _ => String::new(),
        });
        params.push(Box::new(bodies.collect::<Vec<String>>()));
        (
            ", words".to_owned(),
            format!(
                ", array_to_tsvector(string_to_array(w, ' '))
                 FROM UNNEST({}, ${}::text[]) AS t({}, w)",
                arrays.join(", "),
                arrays.len() + 1,
                names.join(", ")
            ),
        )
    } else {
        (
            String::new(),
            format!(
                " FROM UNNEST({}) AS t({})",
                arrays.join(", "),
                names.join(", ")
            ),
        )
    };
    let sql = format!(
        "INSERT INTO {} ({}{extra_column}) SELECT {}{extra_value}",
        table.name,
        names.join(", "),
        names
            .iter()
            .map(|n| format!("t.{n}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
    tx.execute(sql.as_str(), &refs)
        .map_err(|e| described(e, &format!("copying into {}", table.name)))?;
    Ok(())
}

/// Row count and checksum of a table as PostgreSQL holds it, read like the source.
fn checksum_target(
    tx: &mut postgres::Transaction<'_>,
    table: &Table,
) -> anyhow::Result<(u64, String)> {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|(name, kind)| match kind {
            Kind::Bool => format!("{name}::int::int8"),
            _ => (*name).to_owned(),
        })
        .collect();
    // Byte order for text, as SQLite compares it (whatever the database's collation).
    let order: Vec<String> = table
        .order
        .split(", ")
        .map(|key| match table.columns.iter().find(|(n, _)| *n == key) {
            Some((_, Kind::Text | Kind::OptText)) => format!("{key} COLLATE \"C\""),
            _ => key.to_owned(),
        })
        .collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        columns.join(", "),
        table.name,
        order.join(", ")
    );
    let mut hasher = Sha256::new();
    let mut count = 0u64;
    let rows = tx
        .query(sql.as_str(), &[])
        .map_err(|e| described(e, &format!("reading back {}", table.name)))?;
    for row in rows {
        let cells: Vec<Cell> = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| match kind {
                Kind::Text | Kind::OptText => row
                    .get::<_, Option<String>>(i)
                    .map_or(Cell::Null, Cell::Text),
                Kind::Int | Kind::OptInt | Kind::Bool => {
                    row.get::<_, Option<i64>>(i).map_or(Cell::Null, Cell::Int)
                }
                Kind::Bytes => row
                    .get::<_, Option<Vec<u8>>>(i)
                    .map_or(Cell::Null, Cell::Bytes),
            })
            .collect();
        hash_row(&mut hasher, &cells);
        count += 1;
    }
    Ok((count, hex::encode(hasher.finalize())))
}
