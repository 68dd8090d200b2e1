//! The `members` table: who is in each conversation, with their role. Replaced wholesale by
//! every conversation upsert, patched by `member.added` / `member.removed` events.

use parley_protocol::{ConversationId, Member, Role, UserId};
use rusqlite::{Connection, params};

use super::read_markers;

/// Sets the member list to exactly `members`.
pub(super) fn replace(
    conn: &Connection,
    id: &ConversationId,
    members: &[Member],
) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM members WHERE conversation_id = ?1")?
        .execute([id.as_str()])?;
    for m in members {
        add(conn, id, &m.user_id, m.role)?;
        if m.last_read_seq > 0 {
            read_markers::advance(conn, id, &m.user_id, m.last_read_seq)?;
        }
    }
    Ok(())
}

/// Adds a member (keeping the role of one already there). True if they were not a member.
pub(super) fn add(
    conn: &Connection,
    id: &ConversationId,
    user: &UserId,
    role: Role,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO members (conversation_id, user_id, role) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![id.as_str(), user.as_str(), role.as_str()])?;
    Ok(n > 0)
}

/// True if they were a member.
pub(super) fn remove(
    conn: &Connection,
    id: &ConversationId,
    user: &UserId,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached("DELETE FROM members WHERE conversation_id = ?1 AND user_id = ?2")?
        .execute(params![id.as_str(), user.as_str()])?;
    Ok(n > 0)
}

/// The members, by user id, with the read markers known for them.
pub(super) fn list(conn: &Connection, id: &ConversationId) -> rusqlite::Result<Vec<Member>> {
    conn.prepare_cached(
        "SELECT m.user_id, m.role, COALESCE(r.seq, 0) FROM members m
         LEFT JOIN read_markers r ON r.conversation_id = m.conversation_id AND r.user_id = m.user_id
         WHERE m.conversation_id = ?1 ORDER BY m.user_id",
    )?
    .query_map([id.as_str()], |r| {
        Ok(Member {
            user_id: UserId::new(r.get::<_, String>(0)?),
            role: if r.get::<_, String>(1)? == "admin" {
                Role::Admin
            } else {
                Role::Member
            },
            last_read_seq: r.get(2)?,
        })
    })?
    .collect()
}
