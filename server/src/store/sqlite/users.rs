//! Users and sessions in SQLite.

use parley_protocol::{SessionId, User, UserId};
use rusqlite::{OptionalExtension, Row, params};

use super::{Db, sql_err, writer::SqliteTx};
use crate::{
    clock::time_of,
    store::{
        NewUser, SessionAuth, SessionRow, StoreResult, TokenHashes,
        persist::{RefreshState, Revoke, TxCore, UserReads, UserWrites},
    },
};

const USER_COLUMNS: &str = "id, username, display_name, created_at, last_seen_at, show_presence";

fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId::new(r.get::<_, String>(0)?),
        username: r.get(1)?,
        display_name: r.get(2)?,
        created_at: time_of(r.get(3)?),
        last_seen_at: r.get::<_, Option<i64>>(4)?.map(time_of),
        show_presence: r.get(5)?,
    })
}

fn session_ids(r: &Row<'_>) -> rusqlite::Result<SessionId> {
    Ok(SessionId::new(r.get::<_, String>(0)?))
}

impl UserReads for Db<'_> {
    fn user(&mut self, id: &UserId) -> StoreResult<Option<User>> {
        self.0
            .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"))
            .and_then(|mut s| s.query_row([id.as_str()], user_row).optional())
            .map_err(sql_err)
    }

    fn user_by_username(&mut self, username: &str) -> StoreResult<Option<(User, String)>> {
        self.0
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = ?1"
            ))
            .and_then(|mut s| {
                s.query_row([username], |r| Ok((user_row(r)?, r.get(6)?)))
                    .optional()
            })
            .map_err(sql_err)
    }

    fn find_users(&mut self, prefix: &str, limit: i64) -> StoreResult<Vec<User>> {
        let escaped: String = prefix
            .chars()
            .flat_map(|ch| match ch {
                '%' | '_' | '\\' => vec!['\\', ch],
                other => vec![other],
            })
            .collect();
        let pattern = format!("{escaped}%");
        let mut stmt = self
            .0
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

    fn all_users(&mut self) -> StoreResult<Vec<User>> {
        let mut stmt = self
            .0
            .prepare(&format!(
                "SELECT {USER_COLUMNS} FROM users ORDER BY username"
            ))
            .map_err(sql_err)?;
        let rows = stmt.query_map([], user_row).map_err(sql_err)?;
        rows.collect::<Result<_, _>>().map_err(sql_err)
    }

    fn contacts(&mut self, user: &UserId) -> StoreResult<Vec<User>> {
        let columns = USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = self
            .0
            .prepare_cached(&format!(
                "SELECT {columns} FROM users u WHERE u.id IN (
                     SELECT other.user_id FROM members mine
                     JOIN members other ON other.conversation_id = mine.conversation_id
                     WHERE mine.user_id = ?1 AND other.user_id <> ?1)
                 ORDER BY u.id"
            ))
            .map_err(sql_err)?;
        let rows = stmt.query_map([user.as_str()], user_row).map_err(sql_err)?;
        rows.collect::<Result<_, _>>().map_err(sql_err)
    }

    fn password_hash(&mut self, id: &UserId) -> StoreResult<Option<String>> {
        self.0
            .prepare_cached("SELECT password_hash FROM users WHERE id = ?1")
            .and_then(|mut s| s.query_row([id.as_str()], |r| r.get(0)).optional())
            .map_err(sql_err)
    }

    fn session_by_access(&mut self, hash: &[u8; 32], now: i64) -> StoreResult<Option<SessionAuth>> {
        self.0
            .prepare_cached(
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

    fn session_by_refresh(&mut self, hash: &[u8; 32]) -> StoreResult<Option<RefreshState>> {
        self.0
            .prepare_cached(
                "SELECT id, user_id, refresh_expires_at, revoked_at IS NOT NULL, created_at
                 FROM sessions WHERE refresh_hash = ?1",
            )
            .and_then(|mut s| {
                s.query_row([&hash[..]], |r| {
                    Ok(RefreshState {
                        session_id: SessionId::new(r.get::<_, String>(0)?),
                        user_id: UserId::new(r.get::<_, String>(1)?),
                        refresh_expires_at: r.get(2)?,
                        revoked: r.get(3)?,
                        created_at: r.get(4)?,
                    })
                })
                .optional()
            })
            .map_err(sql_err)
    }

    fn spent_refresh(&mut self, hash: &[u8; 32]) -> StoreResult<Option<SessionId>> {
        self.0
            .prepare_cached("SELECT session_id FROM spent_refresh_tokens WHERE hash = ?1")
            .and_then(|mut s| s.query_row([&hash[..]], session_ids).optional())
            .map_err(sql_err)
    }

    fn sessions(&mut self, user: &UserId) -> StoreResult<Vec<SessionRow>> {
        let mut stmt = self
            .0
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

    fn live_session_owner(&mut self, session: &SessionId) -> StoreResult<Option<UserId>> {
        self.0
            .prepare_cached("SELECT user_id FROM sessions WHERE id = ?1 AND revoked_at IS NULL")
            .and_then(|mut s| {
                s.query_row([session.as_str()], |r| {
                    Ok(UserId::new(r.get::<_, String>(0)?))
                })
                .optional()
            })
            .map_err(sql_err)
    }

    fn revoked_since(&mut self, since: i64) -> StoreResult<Vec<SessionId>> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT id FROM sessions WHERE revoked_at >= ?1")
            .map_err(sql_err)?;
        let rows = stmt.query_map([since], session_ids).map_err(sql_err)?;
        rows.collect::<Result<_, _>>().map_err(sql_err)
    }
}

impl UserWrites for SqliteTx<'_> {
    fn insert_user(&mut self, id: &UserId, user: &NewUser) -> StoreResult<()> {
        self.conn()
            .execute(
                "INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id.as_str(), user.username, user.display_name, user.password_hash, self.now()],
            )
            .map_err(sql_err)?;
        Ok(())
    }

    fn set_display_name(&mut self, id: &UserId, name: &str) -> StoreResult<bool> {
        self.conn()
            .execute(
                "UPDATE users SET display_name = ?1 WHERE id = ?2",
                params![name, id.as_str()],
            )
            .map(|n| n > 0)
            .map_err(sql_err)
    }

    fn set_presence(
        &mut self,
        id: &UserId,
        show: bool,
        last_seen_at: Option<i64>,
    ) -> StoreResult<bool> {
        self.conn()
            .execute(
                "UPDATE users SET show_presence = ?1, last_seen_at = ?2 WHERE id = ?3",
                params![show, last_seen_at, id.as_str()],
            )
            .map(|n| n > 0)
            .map_err(sql_err)
    }

    fn set_password_hash(&mut self, id: &UserId, hash: &str) -> StoreResult<bool> {
        self.conn()
            .execute(
                "UPDATE users SET password_hash = ?1 WHERE id = ?2",
                params![hash, id.as_str()],
            )
            .map(|n| n > 0)
            .map_err(sql_err)
    }

    fn insert_session(
        &mut self,
        id: &SessionId,
        user: &UserId,
        device_name: Option<&str>,
        t: &TokenHashes,
    ) -> StoreResult<()> {
        self.conn()
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
                    self.now()
                ],
            )
            .map_err(sql_err)?;
        Ok(())
    }

    fn spend_refresh(&mut self, hash: &[u8; 32], session: &SessionId) -> StoreResult<()> {
        self.conn()
            .execute(
                "INSERT INTO spent_refresh_tokens (hash, session_id) VALUES (?1, ?2)",
                params![&hash[..], session.as_str()],
            )
            .map_err(sql_err)?;
        Ok(())
    }

    fn rotate_tokens(&mut self, session: &SessionId, new: &TokenHashes) -> StoreResult<()> {
        self.conn()
            .execute(
                "UPDATE sessions SET access_hash = ?1, access_expires_at = ?2, refresh_hash = ?3,
                                     refresh_expires_at = ?4, last_seen_at = ?5
                 WHERE id = ?6",
                params![
                    &new.access_hash[..],
                    new.access_expires_at,
                    &new.refresh_hash[..],
                    new.refresh_expires_at,
                    self.now(),
                    session.as_str()
                ],
            )
            .map_err(sql_err)?;
        Ok(())
    }

    fn revoke_session(&mut self, session: &SessionId) -> StoreResult<bool> {
        self.conn()
            .execute(
                "UPDATE sessions SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![self.now(), session.as_str()],
            )
            .map(|n| n > 0)
            .map_err(sql_err)
    }

    fn revoke_sessions(&mut self, user: &UserId, which: Revoke<'_>) -> StoreResult<Vec<SessionId>> {
        let keep = match which {
            Revoke::All => None,
            Revoke::AllBut(keep) => Some(keep.as_str()),
        };
        let mut stmt = self
            .conn()
            .prepare(
                "UPDATE sessions SET revoked_at = ?1
                 WHERE user_id = ?2 AND (?3 IS NULL OR id <> ?3) AND revoked_at IS NULL RETURNING id",
            )
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(params![self.now(), user.as_str(), keep], session_ids)
            .map_err(sql_err)?;
        rows.collect::<Result<_, _>>().map_err(sql_err)
    }

    fn touch_session(&mut self, session: &SessionId, at: i64) -> StoreResult<()> {
        self.conn()
            .execute(
                "UPDATE sessions SET last_seen_at = ?1 WHERE id = ?2",
                params![at, session.as_str()],
            )
            .map_err(sql_err)?;
        Ok(())
    }
}
