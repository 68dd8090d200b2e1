//! Per-account key/value state: the event-stream cursor, the account's own user id, and
//! whatever small settings the engine wants to keep next to the data they describe.

use parley_protocol::{Cursor, User, UserId};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Cache, CacheResult, users};

/// Where the event stream resumes (`since`).
pub(super) const CURSOR: &str = "cursor";
/// The signed-in user's id.
pub(super) const OWN_USER: &str = "own_user_id";

pub(super) fn get(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT value FROM sync_state WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()
}

pub(super) fn set(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

impl Cache {
    /// The cursor of the last applied event: pass it as `since` to resume.
    pub fn cursor(&self) -> CacheResult<Option<Cursor>> {
        Ok(get(&self.conn, CURSOR)?.map(Cursor::new))
    }

    /// Stores a cursor without applying events, e.g. the WebSocket `ready.cursor` after a
    /// fresh sign-in that starts from "now".
    pub fn set_cursor(&mut self, cursor: &Cursor) -> CacheResult<()> {
        self.with_tx(|tx| Ok(set(tx, CURSOR, cursor.as_str())?))
    }

    /// Records who the account is (and caches their profile). Call once after sign-in.
    pub fn set_own_user(&mut self, user: &User) -> CacheResult<()> {
        self.with_tx(|tx| {
            users::upsert(tx, user)?;
            Ok(set(tx, OWN_USER, user.id.as_str())?)
        })?;
        self.own_user = Some(user.id.clone());
        Ok(())
    }

    /// The account's own user id, if [`Cache::set_own_user`] was ever called.
    pub fn own_user_id(&self) -> Option<&UserId> {
        self.own_user.as_ref()
    }

    /// A per-account setting stored by the engine.
    pub fn state(&self, key: &str) -> CacheResult<Option<String>> {
        Ok(get(&self.conn, key)?)
    }

    /// Stores a per-account setting. `cursor` and `own_user_id` are reserved: use
    /// [`Cache::set_cursor`] and [`Cache::set_own_user`].
    pub fn set_state(&mut self, key: &str, value: &str) -> CacheResult<()> {
        debug_assert!(
            key != CURSOR && key != OWN_USER,
            "{key} has its own setter that keeps it consistent"
        );
        self.with_tx(|tx| Ok(set(tx, key, value)?))
    }
}
