//! The `users` table: profiles of people the account has met (members, senders), used for
//! direct-conversation titles and `@username` lookups.

use parley_protocol::{User, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{
    Cache, CacheResult,
    columns::{micros, opt_time, time},
};

pub(super) fn upsert(conn: &Connection, user: &User) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO users (id, username, display_name, created_at, last_seen_at, show_presence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET
             username = excluded.username, display_name = excluded.display_name,
             last_seen_at = excluded.last_seen_at, show_presence = excluded.show_presence",
    )?
    .execute(params![
        user.id.as_str(),
        user.username,
        user.display_name,
        micros(user.created_at),
        user.last_seen_at.map(micros),
        user.show_presence
    ])?;
    Ok(())
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId::new(row.get::<_, String>(0)?),
        username: row.get(1)?,
        display_name: row.get(2)?,
        created_at: time(row.get(3)?),
        last_seen_at: opt_time(row.get(4)?),
        show_presence: row.get(5)?,
    })
}

pub(super) fn by_id(conn: &Connection, id: &UserId) -> rusqlite::Result<Option<User>> {
    conn.prepare_cached("SELECT id, username, display_name, created_at, last_seen_at, show_presence FROM users WHERE id = ?1")?
        .query_row([id.as_str()], from_row)
        .optional()
}

pub(super) fn by_username(conn: &Connection, username: &str) -> rusqlite::Result<Option<User>> {
    conn.prepare_cached(
        "SELECT id, username, display_name, created_at, last_seen_at, show_presence FROM users
         WHERE username = ?1",
    )?
    .query_row([username.to_lowercase()], from_row)
    .optional()
}

impl Cache {
    /// Caches user profiles (from `/users`, `/me`, or wherever the engine met them).
    pub fn upsert_users(&mut self, users: &[User]) -> CacheResult<()> {
        self.with_tx(|tx| {
            for user in users {
                upsert(tx, user)?;
            }
            Ok(())
        })
    }

    /// Members of the account's conversations whose profile is not cached (one indexed
    /// query, run after every batch that changed a conversation).
    pub fn members_without_profile(&self) -> CacheResult<Vec<UserId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT m.user_id FROM members m
             JOIN conversations c ON c.id = m.conversation_id AND c.left_at IS NULL
             WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id)",
        )?;
        let ids = stmt
            .query_map([], |r| Ok(UserId::new(r.get::<_, String>(0)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }

    /// A cached profile.
    pub fn user(&self, id: &UserId) -> CacheResult<Option<User>> {
        Ok(by_id(&self.conn, id)?)
    }

    /// A cached profile by username (case-insensitive, as usernames are folded).
    pub fn user_by_username(&self, username: &str) -> CacheResult<Option<User>> {
        Ok(by_username(&self.conn, username)?)
    }
}
