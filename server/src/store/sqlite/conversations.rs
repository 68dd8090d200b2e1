//! Conversations, membership (the one place it is checked), read markers and the event log.

use std::sync::Arc;

use parley_protocol::{
    Conversation, ConversationId, ConversationKind, EventPayload, Member, MemberChange, ReadChange,
    Role, UserId,
    limits::{GROUP_MEMBERS_MAX, SYNC_PAGE_MAX_BYTES},
};
use rusqlite::{Connection, OptionalExtension, params};

use super::{messages, sql_err, time_of, writer::WriteCtx};
use crate::store::{ListCursor, StoreError, StoreResult, StoredEvent};

/// The caller's role in the conversation; `NotFound` for non-members, so that a
/// conversation one is not in looks exactly like one that does not exist.
pub fn require_member(c: &Connection, id: &ConversationId, user: &UserId) -> StoreResult<Role> {
    let role: Option<String> = c
        .prepare_cached("SELECT role FROM members WHERE conversation_id = ?1 AND user_id = ?2")
        .and_then(|mut s| {
            s.query_row([id.as_str(), user.as_str()], |r| r.get(0))
                .optional()
        })
        .map_err(sql_err)?;
    match role.as_deref() {
        Some("admin") => Ok(Role::Admin),
        Some(_) => Ok(Role::Member),
        None => Err(StoreError::NotFound),
    }
}

fn require_admin(c: &Connection, id: &ConversationId, user: &UserId) -> StoreResult<()> {
    match require_member(c, id, user)? {
        Role::Admin => Ok(()),
        Role::Member => Err(StoreError::Forbidden(
            "only a group admin may do that".to_owned(),
        )),
    }
}

pub fn member_ids(c: &Connection, id: &ConversationId) -> StoreResult<Vec<UserId>> {
    let mut stmt = c
        .prepare_cached("SELECT user_id FROM members WHERE conversation_id = ?1 ORDER BY user_id")
        .map_err(sql_err)?;
    let rows = stmt
        .query_map([id.as_str()], |r| Ok(UserId::new(r.get::<_, String>(0)?)))
        .map_err(sql_err)?;
    rows.collect::<Result<_, _>>().map_err(sql_err)
}

/// The conversation as `viewer` sees it (their unread count and read marker); with no
/// viewer (event payloads, shared by all members) both are 0.
pub fn load(
    c: &Connection,
    id: &ConversationId,
    viewer: Option<&UserId>,
) -> StoreResult<Conversation> {
    let (kind, title, created_at, last_seq): (String, Option<String>, i64, i64) = c
        .prepare_cached("SELECT kind, title, created_at, last_seq FROM conversations WHERE id = ?1")
        .and_then(|mut s| {
            s.query_row([id.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
        })
        .map_err(sql_err)?;
    let mut stmt = c
        .prepare_cached(
            "SELECT user_id, role FROM members WHERE conversation_id = ?1 ORDER BY role = 'member', user_id",
        )
        .map_err(sql_err)?;
    let members = stmt
        .query_map([id.as_str()], |r| {
            let role: String = r.get(1)?;
            Ok(Member {
                user_id: UserId::new(r.get::<_, String>(0)?),
                role: if role == "admin" {
                    Role::Admin
                } else {
                    Role::Member
                },
            })
        })
        .map_err(sql_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql_err)?;
    let last_message = if last_seq > 0 {
        messages::by_seq(c, id, last_seq)?.map(Box::new)
    } else {
        None
    };
    let (unread_count, last_read_seq) = match viewer {
        Some(user) => unread(c, id, user)?,
        None => (0, 0),
    };
    Ok(Conversation {
        id: id.clone(),
        kind: if kind == "direct" {
            ConversationKind::Direct
        } else {
            ConversationKind::Group
        },
        title,
        members,
        created_at: time_of(created_at),
        last_message,
        unread_count,
        last_read_seq,
    })
}

/// Other members' non-deleted messages above the viewer's read marker, and the marker.
fn unread(c: &Connection, id: &ConversationId, user: &UserId) -> StoreResult<(i64, i64)> {
    let marker: i64 = c
        .prepare_cached(
            "SELECT last_read_seq FROM members WHERE conversation_id = ?1 AND user_id = ?2",
        )
        .and_then(|mut s| {
            s.query_row([id.as_str(), user.as_str()], |r| r.get(0))
                .optional()
        })
        .map_err(sql_err)?
        .unwrap_or(0);
    let count: i64 = c
        .prepare_cached(
            "SELECT COUNT(*) FROM messages
             WHERE conversation_id = ?1 AND seq > ?2 AND sender_id <> ?3 AND deleted = 0",
        )
        .and_then(|mut s| s.query_row(params![id.as_str(), marker, user.as_str()], |r| r.get(0)))
        .map_err(sql_err)?;
    Ok((count, marker))
}

/// A page of the caller's conversations, newest activity first, below `before`; and where
/// the next page starts.
pub fn list(
    c: &Connection,
    user: &UserId,
    before: Option<&ListCursor>,
    limit: i64,
) -> StoreResult<(Vec<Conversation>, Option<ListCursor>)> {
    let mut stmt = c
        .prepare_cached(
            "SELECT c.id, c.activity FROM members m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.user_id = ?1 AND (?2 IS NULL OR c.activity < ?2 OR (c.activity = ?2 AND c.id < ?3))
             ORDER BY c.activity DESC, c.id DESC LIMIT ?4",
        )
        .map_err(sql_err)?;
    let mut rows = stmt
        .query_map(
            params![
                user.as_str(),
                before.map(|b| b.activity),
                before.map(|b| b.id.as_str()),
                limit + 1
            ],
            |r| {
                Ok(ListCursor {
                    id: ConversationId::new(r.get::<_, String>(0)?),
                    activity: r.get(1)?,
                })
            },
        )
        .map_err(sql_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql_err)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more { rows.last().cloned() } else { None };
    let page = rows
        .iter()
        .map(|row| load(c, &row.id, Some(user)))
        .collect::<StoreResult<_>>()?;
    Ok((page, next))
}

fn ensure_user(c: &Connection, id: &UserId) -> StoreResult<()> {
    let found: Option<i64> = c
        .prepare_cached("SELECT 1 FROM users WHERE id = ?1")
        .and_then(|mut s| s.query_row([id.as_str()], |r| r.get(0)).optional())
        .map_err(sql_err)?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::Invalid(format!("no user with id {id}")))
}

fn insert_member(
    ctx: &WriteCtx<'_>,
    id: &ConversationId,
    user: &UserId,
    role: Role,
    start_event: i64,
) -> StoreResult<()> {
    ctx.conn
        .execute(
            "INSERT INTO members (conversation_id, user_id, role) VALUES (?1, ?2, ?3)",
            params![id.as_str(), user.as_str(), role.as_str()],
        )
        .map_err(sql_err)?;
    ctx.conn
        .execute(
            "INSERT INTO member_spans (user_id, conversation_id, start_event) VALUES (?1, ?2, ?3)",
            params![user.as_str(), id.as_str(), start_event],
        )
        .map_err(sql_err)?;
    Ok(())
}

pub fn create(
    ctx: &mut WriteCtx<'_>,
    actor: &UserId,
    kind: ConversationKind,
    title: Option<String>,
    requested: Vec<UserId>,
) -> StoreResult<(Conversation, bool)> {
    let mut others: Vec<UserId> = requested.into_iter().filter(|m| m != actor).collect();
    others.sort();
    others.dedup();
    let direct_key = match kind {
        ConversationKind::Direct => {
            let [other] = others.as_slice() else {
                return Err(StoreError::Invalid(
                    "a direct conversation needs exactly one other member".to_owned(),
                ));
            };
            let mut pair = [actor.as_str(), other.as_str()];
            pair.sort_unstable();
            let key = pair.join("|");
            let existing: Option<String> = ctx
                .conn
                .query_row(
                    "SELECT id FROM conversations WHERE direct_key = ?1",
                    [&key],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql_err)?;
            if let Some(existing) = existing {
                let id = ConversationId::new(existing);
                return Ok((load(ctx.conn, &id, Some(actor))?, false));
            }
            Some(key)
        }
        ConversationKind::Group => {
            if others.len() > GROUP_MEMBERS_MAX {
                return Err(StoreError::Invalid(format!(
                    "a group may start with at most {GROUP_MEMBERS_MAX} members"
                )));
            }
            None
        }
    };
    for other in &others {
        ensure_user(ctx.conn, other)?;
    }
    let id = ConversationId::new(uuid::Uuid::now_v7().to_string());
    let title = if kind == ConversationKind::Direct {
        None
    } else {
        title
    };
    let created_event = ctx.next_event_id();
    ctx.conn
        .execute(
            "INSERT INTO conversations (id, kind, title, direct_key, created_at, activity) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id.as_str(), kind.as_str(), title, direct_key, ctx.now, created_event],
        )
        .map_err(sql_err)?;
    let creator_role = if kind == ConversationKind::Group {
        Role::Admin
    } else {
        Role::Member
    };
    insert_member(ctx, &id, actor, creator_role, created_event)?;
    for other in &others {
        insert_member(ctx, &id, other, Role::Member, created_event)?;
    }
    let shared = load(ctx.conn, &id, None)?;
    let recipients = member_ids(ctx.conn, &id)?;
    ctx.emit(&id, EventPayload::ConversationCreated(shared), recipients)?;
    Ok((load(ctx.conn, &id, Some(actor))?, true))
}

fn require_group(c: &Connection, id: &ConversationId) -> StoreResult<()> {
    let kind: String = c
        .query_row(
            "SELECT kind FROM conversations WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .map_err(sql_err)?;
    if kind == "direct" {
        return Err(StoreError::Invalid(
            "direct conversations have no title and fixed members".to_owned(),
        ));
    }
    Ok(())
}

fn emit_updated(ctx: &mut WriteCtx<'_>, id: &ConversationId) -> StoreResult<()> {
    let shared = load(ctx.conn, id, None)?;
    let recipients = member_ids(ctx.conn, id)?;
    ctx.emit(id, EventPayload::ConversationUpdated(shared), recipients)?;
    Ok(())
}

pub fn set_title(
    ctx: &mut WriteCtx<'_>,
    actor: &UserId,
    id: &ConversationId,
    title: String,
) -> StoreResult<Conversation> {
    require_member(ctx.conn, id, actor)?;
    require_group(ctx.conn, id)?;
    require_admin(ctx.conn, id, actor)?;
    ctx.conn
        .execute(
            "UPDATE conversations SET title = ?1 WHERE id = ?2",
            params![title, id.as_str()],
        )
        .map_err(sql_err)?;
    emit_updated(ctx, id)?;
    load(ctx.conn, id, Some(actor))
}

pub fn add_member(
    ctx: &mut WriteCtx<'_>,
    actor: &UserId,
    id: &ConversationId,
    user: &UserId,
) -> StoreResult<Conversation> {
    require_member(ctx.conn, id, actor)?;
    require_group(ctx.conn, id)?;
    require_admin(ctx.conn, id, actor)?;
    ensure_user(ctx.conn, user)?;
    if require_member(ctx.conn, id, user).is_ok() {
        return load(ctx.conn, id, Some(actor));
    }
    let start = ctx.next_event_id();
    insert_member(ctx, id, user, Role::Member, start)?;
    let recipients = member_ids(ctx.conn, id)?;
    ctx.emit(
        id,
        EventPayload::MemberAdded(MemberChange {
            user_id: user.clone(),
        }),
        recipients,
    )?;
    emit_updated(ctx, id)?;
    load(ctx.conn, id, Some(actor))
}

pub fn remove_member(
    ctx: &mut WriteCtx<'_>,
    actor: &UserId,
    id: &ConversationId,
    user: &UserId,
) -> StoreResult<()> {
    require_member(ctx.conn, id, actor)?;
    require_group(ctx.conn, id)?;
    if actor != user {
        require_admin(ctx.conn, id, actor)?;
    }
    require_member(ctx.conn, id, user)?;
    ctx.conn
        .execute(
            "DELETE FROM members WHERE conversation_id = ?1 AND user_id = ?2",
            params![id.as_str(), user.as_str()],
        )
        .map_err(sql_err)?;
    let end = ctx.next_event_id();
    ctx.conn
        .execute(
            "UPDATE member_spans SET end_event = ?1 WHERE user_id = ?2 AND conversation_id = ?3 AND end_event IS NULL",
            params![end, user.as_str(), id.as_str()],
        )
        .map_err(sql_err)?;
    let mut recipients = member_ids(ctx.conn, id)?;
    recipients.push(user.clone());
    ctx.emit(
        id,
        EventPayload::MemberRemoved(MemberChange {
            user_id: user.clone(),
        }),
        recipients,
    )?;
    // A group whose last admin left gets its longest-standing member as admin.
    let admins: i64 = ctx
        .conn
        .query_row(
            "SELECT COUNT(*) FROM members WHERE conversation_id = ?1 AND role = 'admin'",
            [id.as_str()],
            |r| r.get(0),
        )
        .map_err(sql_err)?;
    if admins == 0 {
        ctx.conn
            .execute(
                "UPDATE members SET role = 'admin' WHERE conversation_id = ?1 AND user_id = (
                     SELECT s.user_id FROM member_spans s JOIN members m
                       ON m.user_id = s.user_id AND m.conversation_id = s.conversation_id
                     WHERE s.conversation_id = ?1 AND s.end_event IS NULL ORDER BY s.start_event, s.user_id LIMIT 1)",
                [id.as_str()],
            )
            .map_err(sql_err)?;
    }
    if !member_ids(ctx.conn, id)?.is_empty() {
        emit_updated(ctx, id)?;
    }
    Ok(())
}

/// Moves the read marker forward (never backwards) and tells the members.
pub fn mark_read(
    ctx: &mut WriteCtx<'_>,
    actor: &UserId,
    id: &ConversationId,
    seq: i64,
) -> StoreResult<()> {
    require_member(ctx.conn, id, actor)?;
    if seq < 0 {
        return Err(StoreError::Invalid("seq must not be negative".to_owned()));
    }
    let last_seq: i64 = ctx
        .conn
        .query_row(
            "SELECT last_seq FROM conversations WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .map_err(sql_err)?;
    let seq = seq.min(last_seq);
    let changed = ctx
        .conn
        .execute(
            "UPDATE members SET last_read_seq = ?1 WHERE conversation_id = ?2 AND user_id = ?3 AND last_read_seq < ?1",
            params![seq, id.as_str(), actor.as_str()],
        )
        .map_err(sql_err)?;
    if changed > 0 {
        let recipients = member_ids(ctx.conn, id)?;
        ctx.emit(
            id,
            EventPayload::ReadUpdated(ReadChange {
                user_id: actor.clone(),
                seq,
            }),
            recipients,
        )?;
    }
    Ok(())
}

/// Events `user` may see after `since`: those of each conversation within the stretches of
/// the log during which they were a member.
pub fn events_since(
    c: &Connection,
    user: &UserId,
    since: i64,
    limit: i64,
) -> StoreResult<(Vec<StoredEvent>, bool)> {
    let mut stmt = c
        .prepare_cached(
            "SELECT e.id, e.json FROM member_spans s
             JOIN events e ON e.conversation_id = s.conversation_id
                          AND e.id >= s.start_event AND (s.end_event IS NULL OR e.id <= s.end_event)
             WHERE s.user_id = ?1 AND e.id > ?2
             ORDER BY e.id LIMIT ?3",
        )
        .map_err(sql_err)?;
    let rows = stmt
        .query_map(params![user.as_str(), since, limit + 1], |r| {
            Ok(StoredEvent {
                id: r.get(0)?,
                json: Arc::from(r.get::<_, String>(1)?),
            })
        })
        .map_err(sql_err)?;
    // At most `limit` events and (past the first) at most SYNC_PAGE_MAX_BYTES of them: a page
    // never grows past what a client or a WebSocket frame limit takes.
    let mut events = Vec::new();
    let mut bytes = 0;
    for row in rows {
        let event = row.map_err(sql_err)?;
        bytes += event.json.len();
        if events.len() as i64 == limit || (!events.is_empty() && bytes > SYNC_PAGE_MAX_BYTES) {
            return Ok((events, true));
        }
        events.push(event);
    }
    Ok((events, false))
}
