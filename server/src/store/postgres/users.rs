//! Users and sessions in PostgreSQL.

use std::collections::HashSet;

use parley_protocol::{SessionId, User, UserId};
use postgres::Row;

use super::{PgDb, writer::PgTx};
use crate::{
    clock::time_of,
    store::{
        NewUser, SessionAuth, SessionRow, StoreResult, TokenHashes,
        persist::{RefreshState, Revoke, TxCore, UserReads, UserWrites},
    },
};

fn user_row(r: &Row) -> User {
    User {
        id: UserId::new(r.get::<_, String>(0)),
        username: r.get(1),
        display_name: r.get(2),
        created_at: time_of(r.get(3)),
        last_seen_at: r.get::<_, Option<i64>>(4).map(time_of),
        show_presence: r.get(5),
    }
}

fn session_id(r: &Row) -> SessionId {
    SessionId::new(r.get::<_, String>(0))
}

impl UserReads for PgDb<'_> {
    fn user(&mut self, id: &UserId) -> StoreResult<Option<User>> {
        Ok(self
            .0
            .query_opt(
                "SELECT id, username, display_name, created_at, last_seen_at, show_presence FROM users WHERE id = $1",
                &[&id.as_str()],
            )?
            .as_ref()
            .map(user_row))
    }

    fn user_by_username(&mut self, username: &str) -> StoreResult<Option<(User, String)>> {
        Ok(self
            .0
            .query_opt(
                "SELECT id, username, display_name, created_at, last_seen_at, show_presence, password_hash FROM users WHERE username = $1",
                &[&username],
            )?
            .map(|r| (user_row(&r), r.get(6))))
    }

    fn find_users(&mut self, prefix: &str, limit: i64) -> StoreResult<Vec<User>> {
        // Case-insensitive prefix match with `%`, `_` and `\` as plain characters.
        let escaped: String = prefix
            .chars()
            .flat_map(|ch| match ch {
                '%' | '_' | '\\' => vec!['\\', ch],
                other => vec![other],
            })
            .collect();
        let pattern = format!("{escaped}%");
        Ok(self
            .0
            .query(
                "SELECT id, username, display_name, created_at, last_seen_at, show_presence FROM users
                 WHERE username ILIKE $1 OR display_name ILIKE $1
                 ORDER BY username LIMIT $2",
                &[&pattern, &limit],
            )?
            .iter()
            .map(user_row)
            .collect())
    }

    fn all_users(&mut self) -> StoreResult<Vec<User>> {
        Ok(self
            .0
            .query(
                "SELECT id, username, display_name, created_at, last_seen_at, show_presence FROM users ORDER BY username",
                &[],
            )?
            .iter()
            .map(user_row)
            .collect())
    }

    fn contacts(&mut self, user: &UserId) -> StoreResult<Vec<User>> {
        Ok(self
            .0
            .query(
                "SELECT id, username, display_name, created_at, last_seen_at, show_presence FROM users
                 WHERE id IN (SELECT other.user_id FROM members mine
                              JOIN members other ON other.conversation_id = mine.conversation_id
                              WHERE mine.user_id = $1 AND other.user_id <> $1)
                 ORDER BY id",
                &[&user.as_str()],
            )?
            .iter()
            .map(user_row)
            .collect())
    }

    fn password_hash(&mut self, id: &UserId) -> StoreResult<Option<String>> {
        Ok(self
            .0
            .query_opt(
                "SELECT password_hash FROM users WHERE id = $1",
                &[&id.as_str()],
            )?
            .map(|r| r.get(0)))
    }

    fn session_by_access(&mut self, hash: &[u8; 32], now: i64) -> StoreResult<Option<SessionAuth>> {
        Ok(self
            .0
            .query_opt(
                "SELECT id, user_id, access_expires_at FROM sessions
                 WHERE access_hash = $1 AND revoked_at IS NULL AND access_expires_at > $2",
                &[&&hash[..], &now],
            )?
            .map(|r| SessionAuth {
                session_id: SessionId::new(r.get::<_, String>(0)),
                user_id: UserId::new(r.get::<_, String>(1)),
                access_expires_at: r.get(2),
            }))
    }

    fn session_by_refresh(&mut self, hash: &[u8; 32]) -> StoreResult<Option<RefreshState>> {
        Ok(self
            .0
            .query_opt(
                "SELECT id, user_id, refresh_expires_at, revoked_at IS NOT NULL, created_at
                 FROM sessions WHERE refresh_hash = $1",
                &[&&hash[..]],
            )?
            .map(|r| RefreshState {
                session_id: SessionId::new(r.get::<_, String>(0)),
                user_id: UserId::new(r.get::<_, String>(1)),
                refresh_expires_at: r.get(2),
                revoked: r.get(3),
                created_at: r.get(4),
            }))
    }

    fn spent_refresh(&mut self, hash: &[u8; 32]) -> StoreResult<Option<SessionId>> {
        Ok(self
            .0
            .query_opt(
                "SELECT session_id FROM spent_refresh_tokens WHERE hash = $1",
                &[&&hash[..]],
            )?
            .as_ref()
            .map(session_id))
    }

    fn sessions(&mut self, user: &UserId) -> StoreResult<Vec<SessionRow>> {
        Ok(self
            .0
            .query(
                "SELECT id, device_name, created_at, last_seen_at FROM sessions
                 WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at",
                &[&user.as_str()],
            )?
            .iter()
            .map(|r| SessionRow {
                session_id: session_id(r),
                device_name: r.get(1),
                created_at: r.get(2),
                last_seen_at: r.get(3),
            })
            .collect())
    }

    fn live_session_owner(&mut self, session: &SessionId) -> StoreResult<Option<UserId>> {
        Ok(self
            .0
            .query_opt(
                "SELECT user_id FROM sessions WHERE id = $1 AND revoked_at IS NULL",
                &[&session.as_str()],
            )?
            .map(|r| UserId::new(r.get::<_, String>(0))))
    }

    fn live_sessions(&mut self, sessions: &[SessionId]) -> StoreResult<HashSet<SessionId>> {
        if sessions.is_empty() {
            return Ok(HashSet::new());
        }
        let ids: Vec<&str> = sessions.iter().map(SessionId::as_str).collect();
        Ok(self
            .0
            .query(
                "SELECT id FROM sessions WHERE id = ANY($1) AND revoked_at IS NULL",
                &[&ids],
            )?
            .iter()
            .map(session_id)
            .collect())
    }

    fn revoked_since(&mut self, since: i64) -> StoreResult<Vec<SessionId>> {
        Ok(self
            .0
            .query("SELECT id FROM sessions WHERE revoked_at >= $1", &[&since])?
            .iter()
            .map(session_id)
            .collect())
    }
}

impl UserWrites for PgTx<'_> {
    fn insert_user(&mut self, id: &UserId, user: &NewUser) -> StoreResult<()> {
        let now = self.now();
        self.conn().execute(
            "INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
            &[&id.as_str(), &user.username, &user.display_name, &user.password_hash, &now],
        )?;
        Ok(())
    }

    fn set_presence(
        &mut self,
        id: &UserId,
        show: bool,
        last_seen_at: Option<i64>,
    ) -> StoreResult<bool> {
        Ok(self.conn().execute(
            "UPDATE users SET show_presence = $1, last_seen_at = $2 WHERE id = $3",
            &[&show, &last_seen_at, &id.as_str()],
        )? > 0)
    }

    fn set_display_name(&mut self, id: &UserId, name: &str) -> StoreResult<bool> {
        Ok(self.conn().execute(
            "UPDATE users SET display_name = $1 WHERE id = $2",
            &[&name, &id.as_str()],
        )? > 0)
    }

    fn set_password_hash(&mut self, id: &UserId, hash: &str) -> StoreResult<bool> {
        Ok(self.conn().execute(
            "UPDATE users SET password_hash = $1 WHERE id = $2",
            &[&hash, &id.as_str()],
        )? > 0)
    }

    fn insert_session(
        &mut self,
        id: &SessionId,
        user: &UserId,
        device_name: Option<&str>,
        t: &TokenHashes,
    ) -> StoreResult<()> {
        let now = self.now();
        self.conn().execute(
            "INSERT INTO sessions (id, user_id, device_name, access_hash, access_expires_at, refresh_hash,
                                   refresh_expires_at, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            &[
                &id.as_str(),
                &user.as_str(),
                &device_name,
                &&t.access_hash[..],
                &t.access_expires_at,
                &&t.refresh_hash[..],
                &t.refresh_expires_at,
                &now,
            ],
        )?;
        Ok(())
    }

    fn spend_refresh(&mut self, hash: &[u8; 32], session: &SessionId) -> StoreResult<()> {
        self.conn().execute(
            "INSERT INTO spent_refresh_tokens (hash, session_id) VALUES ($1, $2)",
            &[&&hash[..], &session.as_str()],
        )?;
        Ok(())
    }

    fn rotate_tokens(&mut self, session: &SessionId, new: &TokenHashes) -> StoreResult<()> {
        let now = self.now();
        self.conn().execute(
            "UPDATE sessions SET access_hash = $1, access_expires_at = $2, refresh_hash = $3,
                                 refresh_expires_at = $4, last_seen_at = $5
             WHERE id = $6",
            &[
                &&new.access_hash[..],
                &new.access_expires_at,
                &&new.refresh_hash[..],
                &new.refresh_expires_at,
                &now,
                &session.as_str(),
            ],
        )?;
        Ok(())
    }

    fn revoke_session(&mut self, session: &SessionId) -> StoreResult<bool> {
        let now = self.now();
        Ok(self.conn().execute(
            "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            &[&now, &session.as_str()],
        )? > 0)
    }

    fn revoke_sessions(&mut self, user: &UserId, which: Revoke<'_>) -> StoreResult<Vec<SessionId>> {
        let keep = match which {
            Revoke::All => None,
            Revoke::AllBut(keep) => Some(keep.as_str()),
        };
        let now = self.now();
        Ok(self
            .conn()
            .query(
                "UPDATE sessions SET revoked_at = $1
                 WHERE user_id = $2 AND ($3::text IS NULL OR id <> $3) AND revoked_at IS NULL RETURNING id",
                &[&now, &user.as_str(), &keep],
            )?
            .iter()
            .map(session_id)
            .collect())
    }

    fn touch_session(&mut self, session: &SessionId, at: i64) -> StoreResult<()> {
        self.conn().execute(
            "UPDATE sessions SET last_seen_at = $1 WHERE id = $2",
            &[&at, &session.as_str()],
        )?;
        Ok(())
    }
}
