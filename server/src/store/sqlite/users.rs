//! Users and sessions.

use parley_protocol::{SessionId, User, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{sql_err, time_of, writer::WriteCtx};
use crate::store::{
    NewUser, Refreshed, SessionAuth, SessionRow, StoreError, StoreResult, TokenHashes,
};

const USER_COLUMNS: &str = "id, username, display_name, created_at";

fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId::new(r.get::<_, String>(0)?),
        username: r.get(1)?,
        display_name: r.get(2)?,
        created_at: time_of(r.get(3)?),
    })
}

pub fn create(ctx: &mut WriteCtx<'_>, user: &NewUser) -> StoreResult<User> {
    let id = UserId::new(uuid::Uuid::now_v7().to_string());
    ctx.conn
        .execute(
            "INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id.as_str(), user.username, user.display_name, user.password_hash, ctx.now],
        )
        .map_err(|e| match sql_err(e) {
            StoreError::Conflict(_) => StoreError::Conflict("that username is taken".to_owned()),
            other => other,
        })?;
    by_id(ctx.conn, &id)
}

pub fn by_id(c: &Connection, id: &UserId) -> StoreResult<User> {
    c.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"))
        .and_then(|mut s| s.query_row([id.as_str()], user_row))
        .map_err(sql_err)
}

pub fn by_username(c: &Connection, username: &str) -> StoreResult<Option<(User, String)>> {
    c.prepare_cached(&format!(
        "SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = ?1"
    ))
    .and_then(|mut s| {
        s.query_row([username], |r| Ok((user_row(r)?, r.get(4)?)))
            .optional()
    })
    .map_err(sql_err)
}

/// Users whose username or display name starts with `prefix` (case-insensitive; `%` and `_`
/// are literal characters, not patterns).
pub fn find(c: &Connection, prefix: &str, limit: i64) -> StoreResult<Vec<User>> {
    let escaped: String = prefix
        .chars()
        .flat_map(|ch| match ch {
            '%' | '_' | '\\' => vec!['\\', ch],
            other => vec![other],
        })
        .collect();
    let pattern = format!("{escaped}%");
    let mut stmt = c
        .prepare_cached(&format!(
            "SELECT {USER_COLUMNS} FROM users
             WHERE username LIKE ?1 ESCAPE '\\' OR display_name LIKE ?1 ESCAPE '\\'
             ORDER BY username LIMIT ?2"
        ))
        .map_err(sql_err)?;
    let rows = stmt
        .query_map(params![pattern, limit], user_row)
        .map_err(sql_err)?;
    rows.collect::<Result<_, _>>().map_err(sql_err)
}

pub fn all(c: &Connection) -> StoreResult<Vec<User>> {
    let mut stmt = c
        .prepare(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        ))
        .map_err(sql_err)?;
    let rows = stmt.query_map([], user_row).map_err(sql_err)?;
    rows.collect::<Result<_, _>>().map_err(sql_err)
}

pub fn set_display_name(c: &Connection, id: &UserId, name: &str) -> StoreResult<User> {
    let n = c
        .execute(
            "UPDATE users SET display_name = ?1 WHERE id = ?2",
            params![name, id.as_str()],
        )
        .map_err(sql_err)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    by_id(c, id)
}

pub fn set_password_hash(c: &Connection, id: &UserId, hash: &str) -> StoreResult<()> {
    let n = c
        .execute(
            "UPDATE users SET password_hash = ?1 WHERE id = ?2",
            params![hash, id.as_str()],
        )
        .map_err(sql_err)?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub fn password_hash(c: &Connection, id: &UserId) -> StoreResult<String> {
    c.prepare_cached("SELECT password_hash FROM users WHERE id = ?1")
        .and_then(|mut s| s.query_row([id.as_str()], |r| r.get(0)))
        .map_err(sql_err)
}

pub fn create_session(
    ctx: &mut WriteCtx<'_>,
    user: &UserId,
    device_name: Option<String>,
    t: &TokenHashes,
) -> StoreResult<SessionId> {
    let id = SessionId::new(uuid::Uuid::now_v7().to_string());
    ctx.conn
        .execute(
            "INSERT INTO sessions (id, user_id, device_name, access_hash, access_expires_at, refresh_hash,
                                   refresh_expires_at, created_at, last_seen_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            params![
                id.as_str(),
                user.as_str(),
                device_name,
                &t.access_hash[..],
                t.access_expires_at,
                &t.refresh_hash[..],
                t.refresh_expires_at,
                ctx.now
            ],
        )
        .map_err(sql_err)?;
    Ok(id)
}

pub fn session_by_access(
    c: &Connection,
    hash: &[u8; 32],
    now: i64,
) -> StoreResult<Option<SessionAuth>> {
    c.prepare_cached(
        "SELECT id, user_id, access_expires_at FROM sessions
         WHERE access_hash = ?1 AND revoked_at IS NULL AND access_expires_at > ?2",
    )
    .and_then(|mut s| {
        s.query_row(params![&hash[..], now], |r| {
            Ok(SessionAuth {
                session_id: SessionId::new(r.get::<_, String>(0)?),
                user_id: UserId::new(r.get::<_, String>(1)?),
                access_expires_at: r.get(2)?,
            })
        })
        .optional()
    })
    .map_err(sql_err)
}

/// Rotates a session's tokens, or detects reuse of a rotated refresh token.
pub fn refresh(
    c: &Connection,
    hash: &[u8; 32],
    new: &TokenHashes,
    now: i64,
    oldest: i64,
) -> StoreResult<Refreshed> {
    let current: Option<(String, String, i64, Option<i64>, i64)> = c
        .query_row(
            "SELECT id, user_id, refresh_expires_at, revoked_at, created_at FROM sessions WHERE refresh_hash = ?1",
            [&hash[..]],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()
        .map_err(sql_err)?;
    let Some((session_id, user_id, expires_at, revoked_at, created_at)) = current else {
        let spent: Option<String> = c
            .query_row(
                "SELECT session_id FROM spent_refresh_tokens WHERE hash = ?1",
                [&hash[..]],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql_err)?;
        return match spent {
            Some(session_id) => {
                c.execute(
                    "UPDATE sessions SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                    params![now, session_id],
                )
                .map_err(sql_err)?;
                Ok(Refreshed::Reused(SessionId::new(session_id)))
            }
            None => Ok(Refreshed::Invalid),
        };
    };
    if revoked_at.is_some() || expires_at <= now || created_at < oldest {
        return Ok(Refreshed::Invalid);
    }
    c.execute(
        "INSERT INTO spent_refresh_tokens (hash, session_id) VALUES (?1, ?2)",
        params![&hash[..], session_id],
    )
    .map_err(sql_err)?;
    c.execute(
        "UPDATE sessions SET access_hash = ?1, access_expires_at = ?2, refresh_hash = ?3, refresh_expires_at = ?4,
                             last_seen_at = ?5
         WHERE id = ?6",
        params![&new.access_hash[..], new.access_expires_at, &new.refresh_hash[..], new.refresh_expires_at, now, session_id],
    )
    .map_err(sql_err)?;
    Ok(Refreshed::Rotated(SessionAuth {
        session_id: SessionId::new(session_id),
        user_id: UserId::new(user_id),
        access_expires_at: new.access_expires_at,
    }))
}

pub fn sessions(c: &Connection, user: &UserId) -> StoreResult<Vec<SessionRow>> {
    let mut stmt = c
        .prepare_cached(
            "SELECT id, device_name, created_at, last_seen_at FROM sessions
             WHERE user_id = ?1 AND revoked_at IS NULL ORDER BY created_at",
        )
        .map_err(sql_err)?;
    let rows = stmt
        .query_map([user.as_str()], |r| {
            Ok(SessionRow {
                session_id: SessionId::new(r.get::<_, String>(0)?),
                device_name: r.get(1)?,
                created_at: r.get(2)?,
                last_seen_at: r.get(3)?,
            })
        })
        .map_err(sql_err)?;
    rows.collect::<Result<_, _>>().map_err(sql_err)
}

pub fn revoke(ctx: &mut WriteCtx<'_>, user: &UserId, session: &SessionId) -> StoreResult<()> {
    let n = ctx
        .conn
        .execute(
            "UPDATE sessions SET revoked_at = ?1 WHERE id = ?2 AND user_id = ?3 AND revoked_at IS NULL",
            params![ctx.now, session.as_str(), user.as_str()],
        )
        .map_err(sql_err)?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub fn revoke_all(ctx: &mut WriteCtx<'_>, user: &UserId) -> StoreResult<Vec<SessionId>> {
    let mut stmt = ctx
        .conn
        .prepare("UPDATE sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL RETURNING id")
        .map_err(sql_err)?;
    let rows = stmt
        .query_map(params![ctx.now, user.as_str()], |r| {
            Ok(SessionId::new(r.get::<_, String>(0)?))
        })
        .map_err(sql_err)?;
    rows.collect::<Result<_, _>>().map_err(sql_err)
}

pub fn revoke_others(
    ctx: &mut WriteCtx<'_>,
    user: &UserId,
    keep: &SessionId,
) -> StoreResult<Vec<SessionId>> {
    let mut stmt = ctx
        .conn
        .prepare(
            "UPDATE sessions SET revoked_at = ?1
             WHERE user_id = ?2 AND id <> ?3 AND revoked_at IS NULL RETURNING id",
        )
        .map_err(sql_err)?;
    let rows = stmt
        .query_map(params![ctx.now, user.as_str(), keep.as_str()], |r| {
            Ok(SessionId::new(r.get::<_, String>(0)?))
        })
        .map_err(sql_err)?;
    rows.collect::<Result<_, _>>().map_err(sql_err)
}

pub fn revoked_since(c: &Connection, since: i64) -> StoreResult<Vec<SessionId>> {
    let mut stmt = c
        .prepare_cached("SELECT id FROM sessions WHERE revoked_at >= ?1")
        .map_err(sql_err)?;
    let rows = stmt
        .query_map([since], |r| Ok(SessionId::new(r.get::<_, String>(0)?)))
        .map_err(sql_err)?;
    rows.collect::<Result<_, _>>().map_err(sql_err)
}

/// Whether the session is still live (not revoked): checked inside a send's transaction.
pub fn is_live(c: &Connection, session: &SessionId) -> StoreResult<bool> {
    c.prepare_cached("SELECT revoked_at IS NULL FROM sessions WHERE id = ?1")
        .and_then(|mut s| s.query_row([session.as_str()], |r| r.get(0)).optional())
        .map(|live| live.unwrap_or(false))
        .map_err(sql_err)
}

pub fn touch(c: &Connection, session: &SessionId, now: i64) -> StoreResult<()> {
    c.execute(
        "UPDATE sessions SET last_seen_at = ?1 WHERE id = ?2",
        params![now, session.as_str()],
    )
    .map_err(sql_err)?;
    Ok(())
}
