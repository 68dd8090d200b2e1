//! The `read_markers` table: how far each member has read (from `read.updated` events), for
//! "seen by" indicators. The account's own marker also lives on the conversation row, where
//! it drives the unread count.

use parley_protocol::{ConversationId, UserId};
use rusqlite::{Connection, params};

use super::{Cache, CacheResult};

/// Moves `user`'s marker forward to `seq` (never back). True if it moved.
pub(super) fn advance(
    conn: &Connection,
    conv: &ConversationId,
    user: &UserId,
    seq: i64,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO read_markers (conversation_id, user_id, seq) VALUES (?1, ?2, ?3)
             ON CONFLICT (conversation_id, user_id) DO UPDATE SET seq = excluded.seq
             WHERE excluded.seq > read_markers.seq",
        )?
        .execute(params![conv.as_str(), user.as_str(), seq])?;
    Ok(n > 0)
}

impl Cache {
    /// Every known read marker of a conversation: `(user, highest seq read)`, by user id.
    pub fn read_markers(&self, conv: &ConversationId) -> CacheResult<Vec<(UserId, i64)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT user_id, seq FROM read_markers WHERE conversation_id = ?1 ORDER BY user_id",
            )?
            .query_map([conv.as_str()], |r| {
                Ok((UserId::new(r.get::<_, String>(0)?), r.get(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
