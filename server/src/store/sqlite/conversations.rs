//! Conversations, members, read markers and the event log in SQLite.

use std::sync::Arc;

use parley_protocol::{
    Conversation, ConversationId, ConversationKind, Member, Notify, Role, Settings, UserId,
};
use rusqlite::{OptionalExtension, params};

use super::{Db, sql_err, writer::SqliteTx};
use crate::{
    clock::time_of,
    store::{
        ListCursor, Published, StoreResult, StoredEvent,
        persist::{ConversationReads, ConversationWrites, MessageReads, TxCore},
    },
};

fn role_of(text: &str) -> Role {
    if text == "admin" {
        Role::Admin
    } else {
        Role::Member
    }
}

/// What of a conversation is the viewer's own.
#[derive(Default)]
struct OwnState {
    unread_count: i64,
    last_read_seq: i64,
    mention_count: i64,
    settings: Settings,
}

impl Db<'_> {
    /// One conversation as `viewer` sees it. In-process, a few indexed lookups per
    /// conversation cost microseconds, so there is no batching here.
    fn conversation(
        &mut self,
        id: &ConversationId,
        viewer: Option<&UserId>,
    ) -> StoreResult<Option<Conversation>> {
        let row: Option<(String, Option<String>, i64, i64)> = self
            .0
            .prepare_cached(
                "SELECT kind, title, created_at, last_seq FROM conversations WHERE id = ?1",
            )
            .and_then(|mut s| {
                s.query_row([id.as_str()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()
            })
            .map_err(sql_err)?;
        let Some((kind, title, created_at, last_seq)) = row else {
            return Ok(None);
        };
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT user_id, role, last_read_seq FROM members WHERE conversation_id = ?1 ORDER BY role = 'member', user_id",
            )
            .map_err(sql_err)?;
        let members = stmt
            .query_map([id.as_str()], |r| {
                Ok(Member {
                    user_id: UserId::new(r.get::<_, String>(0)?),
                    role: role_of(&r.get::<_, String>(1)?),
                    last_read_seq: r.get(2)?,
                })
            })
            .map_err(sql_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql_err)?;
        let last_message = if last_seq > 0 {
            self.message_by_seq(id, last_seq)?.map(Box::new)
        } else {
            None
        };
        let own = match viewer {
            Some(user) => self.own_state(id, user)?,
            None => OwnState::default(),
        };
        Ok(Some(Conversation {
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
            unread_count: own.unread_count,
            last_read_seq: own.last_read_seq,
            mention_count: own.mention_count,
            notify: own.settings.notify,
            muted_until: own.settings.muted_until,
            marked_unread: own.settings.marked_unread,
        }))
    }

    /// The viewer's own side of a conversation: unread and mention counts (other members'
    /// non-deleted messages above their read marker), the marker, their settings.
    fn own_state(&mut self, id: &ConversationId, user: &UserId) -> StoreResult<OwnState> {
        let row: Option<(i64, String, Option<i64>, bool)> = self
            .0
            .prepare_cached(
                "SELECT last_read_seq, notify, muted_until, marked_unread FROM members
                 WHERE conversation_id = ?1 AND user_id = ?2",
            )
            .and_then(|mut s| {
                s.query_row([id.as_str(), user.as_str()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()
            })
            .map_err(sql_err)?;
        let Some((marker, notify, muted_until, marked_unread)) = row else {
            return Ok(OwnState::default());
        };
        let (unread_count, mention_count): (i64, i64) = self
            .0
            .prepare_cached(
                "SELECT COUNT(*), COALESCE(SUM(instr(' ' || mentions || ' ', ' ' || ?3 || ' ') > 0), 0)
                 FROM messages
                 WHERE conversation_id = ?1 AND seq > ?2 AND sender_id <> ?3 AND deleted = 0",
            )
            .and_then(|mut s| {
                s.query_row(params![id.as_str(), marker, user.as_str()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
            })
            .map_err(sql_err)?;
        Ok(OwnState {
            unread_count,
            last_read_seq: marker,
            mention_count,
            settings: Settings {
                notify: Notify::parse(&notify),
                muted_until: muted_until.map(time_of),
                marked_unread,
            },
        })
    }
}

impl ConversationReads for Db<'_> {
    fn role(&mut self, id: &ConversationId, user: &UserId) -> StoreResult<Option<Role>> {
        let role: Option<String> = self
            .0
            .prepare_cached("SELECT role FROM members WHERE conversation_id = ?1 AND user_id = ?2")
            .and_then(|mut s| {
                s.query_row([id.as_str(), user.as_str()], |r| r.get(0))
                    .optional()
            })
            .map_err(sql_err)?;
        Ok(role.as_deref().map(role_of))
    }

    fn kind(&mut self, id: &ConversationId) -> StoreResult<Option<ConversationKind>> {
        let kind: Option<String> = self
            .0
            .prepare_cached("SELECT kind FROM conversations WHERE id = ?1")
            .and_then(|mut s| s.query_row([id.as_str()], |r| r.get(0)).optional())
            .map_err(sql_err)?;
        Ok(kind.map(|k| {
            if k == "direct" {
                ConversationKind::Direct
            } else {
                ConversationKind::Group
            }
        }))
    }

    fn last_seq(&mut self, id: &ConversationId) -> StoreResult<i64> {
        self.0
            .prepare_cached("SELECT last_seq FROM conversations WHERE id = ?1")
            .and_then(|mut s| s.query_row([id.as_str()], |r| r.get(0)))
            .map_err(sql_err)
    }

    fn direct_conversation(&mut self, key: &str) -> StoreResult<Option<ConversationId>> {
        self.0
            .prepare_cached("SELECT id FROM conversations WHERE direct_key = ?1")
            .and_then(|mut s| {
                s.query_row([key], |r| Ok(ConversationId::new(r.get::<_, String>(0)?)))
                    .optional()
            })
            .map_err(sql_err)
    }

    fn member_ids(&mut self, id: &ConversationId) -> StoreResult<Vec<UserId>> {
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT user_id FROM members WHERE conversation_id = ?1 ORDER BY user_id",
            )
            .map_err(sql_err)?;
        let rows = stmt
            .query_map([id.as_str()], |r| Ok(UserId::new(r.get::<_, String>(0)?)))
            .map_err(sql_err)?;
        rows.collect::<Result<_, _>>().map_err(sql_err)
    }

    fn senior_member(&mut self, id: &ConversationId) -> StoreResult<Option<UserId>> {
        self.0
            .prepare_cached(
                "SELECT s.user_id FROM member_spans s JOIN members m
                   ON m.user_id = s.user_id AND m.conversation_id = s.conversation_id
                 WHERE s.conversation_id = ?1 AND s.end_event IS NULL
                 ORDER BY s.start_event, s.user_id LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row([id.as_str()], |r| Ok(UserId::new(r.get::<_, String>(0)?)))
                    .optional()
            })
            .map_err(sql_err)
    }

    fn conversations(
        &mut self,
        ids: &[ConversationId],
        viewer: Option<&UserId>,
    ) -> StoreResult<Vec<Conversation>> {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(conversation) = self.conversation(id, viewer)? {
                found.push(conversation);
            }
        }
        Ok(found)
    }

    fn conversation_page(
        &mut self,
        user: &UserId,
        before: Option<&ListCursor>,
        limit: i64,
    ) -> StoreResult<Vec<ListCursor>> {
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT c.id, c.activity FROM members m JOIN conversations c ON c.id = m.conversation_id
                 WHERE m.user_id = ?1 AND (?2 IS NULL OR c.activity < ?2 OR (c.activity = ?2 AND c.id < ?3))
                 ORDER BY c.activity DESC, c.id DESC LIMIT ?4",
            )
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(
                params![
                    user.as_str(),
                    before.map(|b| b.activity),
                    before.map(|b| b.id.as_str()),
                    limit
                ],
                |r| {
                    Ok(ListCursor {
                        id: ConversationId::new(r.get::<_, String>(0)?),
                        activity: r.get(1)?,
                    })
                },
            )
            .map_err(sql_err)?;
        rows.collect::<Result<_, _>>().map_err(sql_err)
    }

    fn events_since(
        &mut self,
        user: &UserId,
        since: i64,
        limit: i64,
    ) -> StoreResult<Vec<StoredEvent>> {
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT e.id, e.json FROM member_spans s
                 JOIN events e ON e.conversation_id = s.conversation_id
                              AND e.id >= s.start_event AND (s.end_event IS NULL OR e.id <= s.end_event)
                 WHERE s.user_id = ?1 AND e.id > ?2 AND (e.for_user IS NULL OR e.for_user = ?1)
                 ORDER BY e.id LIMIT ?3",
            )
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(params![user.as_str(), since, limit], |r| {
                Ok(StoredEvent {
                    id: r.get(0)?,
                    json: Arc::from(r.get::<_, String>(1)?),
                })
            })
            .map_err(sql_err)?;
        rows.collect::<Result<_, _>>().map_err(sql_err)
    }

    fn events_after(&mut self, since: i64, limit: i64) -> StoreResult<Vec<Published>> {
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT e.id, e.conversation_id, e.json, group_concat(s.user_id, ',') FROM events e
                 LEFT JOIN member_spans s ON s.conversation_id = e.conversation_id
                      AND e.id >= s.start_event AND (s.end_event IS NULL OR e.id <= s.end_event)
                      AND (e.for_user IS NULL OR s.user_id = e.for_user)
                 WHERE e.id > ?1 GROUP BY e.id ORDER BY e.id LIMIT ?2",
            )
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(params![since, limit], |r| {
                let recipients: Option<String> = r.get(3)?;
                Ok(Published {
                    id: r.get(0)?,
                    conversation_id: ConversationId::new(r.get::<_, String>(1)?),
                    json: Arc::from(r.get::<_, String>(2)?),
                    recipients: recipients
                        .iter()
                        .flat_map(|list| list.split(','))
                        .map(UserId::new)
                        .collect(),
                })
            })
            .map_err(sql_err)?;
        rows.collect::<Result<_, _>>().map_err(sql_err)
    }

    fn latest_event(&mut self) -> StoreResult<i64> {
        self.0
            .query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))
            .map_err(sql_err)
    }

    fn ping(&mut self) -> StoreResult<()> {
        self.0
            .query_row("SELECT 1", [], |_| Ok(()))
            .map_err(sql_err)
    }
}

impl ConversationWrites for SqliteTx<'_> {
    fn insert_conversation(
        &mut self,
        id: &ConversationId,
        kind: ConversationKind,
        title: Option<&str>,
        direct_key: Option<&str>,
    ) -> StoreResult<()> {
        self.conn()
            .execute(
                "INSERT INTO conversations (id, kind, title, direct_key, created_at, activity) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id.as_str(), kind.as_str(), title, direct_key, self.now(), self.next_event_id()],
            )
            .map_err(sql_err)?;
        Ok(())
    }

    fn set_title(&mut self, id: &ConversationId, title: &str) -> StoreResult<()> {
        self.conn()
            .execute(
                "UPDATE conversations SET title = ?1 WHERE id = ?2",
                params![title, id.as_str()],
            )
            .map_err(sql_err)?;
        Ok(())
    }

    fn insert_member(&mut self, id: &ConversationId, user: &UserId, role: Role) -> StoreResult<()> {
        self.conn()
            .execute(
                "INSERT INTO members (conversation_id, user_id, role) VALUES (?1, ?2, ?3)",
                params![id.as_str(), user.as_str(), role.as_str()],
            )
            .map_err(sql_err)?;
        self.conn()
            .execute(
                "INSERT INTO member_spans (user_id, conversation_id, start_event) VALUES (?1, ?2, ?3)",
                params![user.as_str(), id.as_str(), self.next_event_id()],
            )
            .map_err(sql_err)?;
        Ok(())
    }

    fn delete_member(&mut self, id: &ConversationId, user: &UserId) -> StoreResult<()> {
        self.conn()
            .execute(
                "DELETE FROM members WHERE conversation_id = ?1 AND user_id = ?2",
                params![id.as_str(), user.as_str()],
            )
            .map_err(sql_err)?;
        self.conn()
            .execute(
                "UPDATE member_spans SET end_event = ?1
                 WHERE user_id = ?2 AND conversation_id = ?3 AND end_event IS NULL",
                params![self.next_event_id(), user.as_str(), id.as_str()],
            )
            .map_err(sql_err)?;
        Ok(())
    }

    fn set_role(&mut self, id: &ConversationId, user: &UserId, role: Role) -> StoreResult<()> {
        self.conn()
            .execute(
                "UPDATE members SET role = ?1 WHERE conversation_id = ?2 AND user_id = ?3",
                params![role.as_str(), id.as_str(), user.as_str()],
            )
            .map_err(sql_err)?;
        Ok(())
    }

    fn advance_read_marker(
        &mut self,
        id: &ConversationId,
        user: &UserId,
        seq: i64,
    ) -> StoreResult<bool> {
        self.conn()
            .execute(
                "UPDATE members SET last_read_seq = ?1
                 WHERE conversation_id = ?2 AND user_id = ?3 AND last_read_seq < ?1",
                params![seq, id.as_str(), user.as_str()],
            )
            .map(|n| n > 0)
            .map_err(sql_err)
    }

    fn set_settings(
        &mut self,
        id: &ConversationId,
        user: &UserId,
        settings: &Settings,
    ) -> StoreResult<()> {
        self.conn()
            .execute(
                "UPDATE members SET notify = ?1, muted_until = ?2, marked_unread = ?3
                 WHERE conversation_id = ?4 AND user_id = ?5",
                params![
                    settings.notify.as_str(),
                    settings.muted_until.map(|t| t.timestamp_millis()),
                    settings.marked_unread,
                    id.as_str(),
                    user.as_str()
                ],
            )
            .map_err(sql_err)?;
        Ok(())
    }
}
