//! Conversations, members, read markers and the event log in PostgreSQL. A page of the
//! conversation list is loaded in four queries whatever its length (no query per row: each
//! one is a network round trip here).

use std::{collections::HashMap, sync::Arc};

use parley_protocol::{
    Conversation, ConversationId, ConversationKind, Member, Notify, Role, Settings, UserId,
};

use super::{PgDb, messages, writer::PgTx};
use crate::{
    clock::time_of,
    store::{
        ListCursor, Published, StoreResult, StoredEvent,
        persist::{ConversationReads, ConversationWrites, TxCore},
    },
};

fn role_of(text: &str) -> Role {
    if text == "admin" {
        Role::Admin
    } else {
        Role::Member
    }
}

fn kind_of(text: &str) -> ConversationKind {
    if text == "direct" {
        ConversationKind::Direct
    } else {
        ConversationKind::Group
    }
}

impl ConversationReads for PgDb<'_> {
    fn role(&mut self, id: &ConversationId, user: &UserId) -> StoreResult<Option<Role>> {
        Ok(self
            .0
            .query_opt(
                "SELECT role FROM members WHERE conversation_id = $1 AND user_id = $2",
                &[&id.as_str(), &user.as_str()],
            )?
            .map(|r| role_of(r.get(0))))
    }

    fn kind(&mut self, id: &ConversationId) -> StoreResult<Option<ConversationKind>> {
        Ok(self
            .0
            .query_opt(
                "SELECT kind FROM conversations WHERE id = $1",
                &[&id.as_str()],
            )?
            .map(|r| kind_of(r.get(0))))
    }

    fn last_seq(&mut self, id: &ConversationId) -> StoreResult<i64> {
        Ok(self
            .0
            .query_one(
                "SELECT last_seq FROM conversations WHERE id = $1",
                &[&id.as_str()],
            )?
            .get(0))
    }

    fn direct_conversation(&mut self, key: &str) -> StoreResult<Option<ConversationId>> {
        Ok(self
            .0
            .query_opt(
                "SELECT id FROM conversations WHERE direct_key = $1",
                &[&key],
            )?
            .map(|r| ConversationId::new(r.get::<_, String>(0))))
    }

    fn member_ids(&mut self, id: &ConversationId) -> StoreResult<Vec<UserId>> {
        Ok(self
            .0
            .query(
                "SELECT user_id FROM members WHERE conversation_id = $1 ORDER BY user_id",
                &[&id.as_str()],
            )?
            .iter()
            .map(|r| UserId::new(r.get::<_, String>(0)))
            .collect())
    }

    fn roles(
        &mut self,
        pairs: &[(ConversationId, UserId)],
    ) -> StoreResult<HashMap<(ConversationId, UserId), Role>> {
        if pairs.is_empty() {
            return Ok(HashMap::new());
        }
        let (conversations, users): (Vec<&str>, Vec<&str>) =
            pairs.iter().map(|(c, u)| (c.as_str(), u.as_str())).unzip();
        Ok(self
            .0
            .query(
                "SELECT m.conversation_id, m.user_id, m.role FROM members m
                 JOIN UNNEST($1::text[], $2::text[]) AS p(c, u)
                   ON m.conversation_id = p.c AND m.user_id = p.u",
                &[&conversations, &users],
            )?
            .iter()
            .map(|r| {
                let key = (
                    ConversationId::new(r.get::<_, String>(0)),
                    UserId::new(r.get::<_, String>(1)),
                );
                (key, role_of(r.get(2)))
            })
            .collect())
    }

    fn members_of(
        &mut self,
        conversations: &[ConversationId],
    ) -> StoreResult<HashMap<ConversationId, Vec<UserId>>> {
        if conversations.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<&str> = conversations.iter().map(ConversationId::as_str).collect();
        let mut members: HashMap<ConversationId, Vec<UserId>> = HashMap::new();
        for r in self.0.query(
            "SELECT conversation_id, user_id FROM members WHERE conversation_id = ANY($1)
             ORDER BY conversation_id, user_id",
            &[&ids],
        )? {
            members
                .entry(ConversationId::new(r.get::<_, String>(0)))
                .or_default()
                .push(UserId::new(r.get::<_, String>(1)));
        }
        Ok(members)
    }

    fn senior_member(&mut self, id: &ConversationId) -> StoreResult<Option<UserId>> {
        Ok(self
            .0
            .query_opt(
                "SELECT s.user_id FROM member_spans s JOIN members m
                   ON m.user_id = s.user_id AND m.conversation_id = s.conversation_id
                 WHERE s.conversation_id = $1 AND s.end_event IS NULL
                 ORDER BY s.start_event, s.user_id LIMIT 1",
                &[&id.as_str()],
            )?
            .map(|r| UserId::new(r.get::<_, String>(0))))
    }

    fn conversations(
        &mut self,
        ids: &[ConversationId],
        viewer: Option<&UserId>,
    ) -> StoreResult<Vec<Conversation>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<&str> = ids.iter().map(ConversationId::as_str).collect();
        let mut members: HashMap<String, Vec<Member>> = HashMap::new();
        for r in self.0.query(
            "SELECT conversation_id, user_id, role, last_read_seq FROM members WHERE conversation_id = ANY($1)
             ORDER BY conversation_id, role = 'member', user_id",
            &[&keys],
        )? {
            members.entry(r.get(0)).or_default().push(Member {
                user_id: UserId::new(r.get::<_, String>(1)),
                role: role_of(r.get(2)),
                last_read_seq: r.get(3),
            });
        }
        let mut last: HashMap<ConversationId, parley_protocol::Message> =
            messages::last_messages(self.0, &keys)?
                .into_iter()
                .map(|m| (m.conversation_id.clone(), m))
                .collect();
        // The viewer's own side: read marker, settings, unread and mention counts.
        let mut own: HashMap<String, postgres::Row> = HashMap::new();
        if let Some(user) = viewer {
            for r in self.0.query(
                "SELECT mb.conversation_id, mb.last_read_seq, mb.notify, mb.muted_until, u.unread, u.mentioned,
                        mb.marked_unread
                 FROM members mb, LATERAL (
                     SELECT COUNT(*) AS unread,
                            COUNT(*) FILTER (WHERE $2 = ANY(string_to_array(m.mentions, ' '))) AS mentioned
                     FROM messages m
                     WHERE m.conversation_id = mb.conversation_id AND m.seq > mb.last_read_seq
                       AND m.sender_id <> $2 AND NOT m.deleted) u
                 WHERE mb.conversation_id = ANY($1) AND mb.user_id = $2",
                &[&keys, &user.as_str()],
            )? {
                own.insert(r.get(0), r);
            }
        }
        let mut rows: HashMap<String, postgres::Row> = HashMap::new();
        for r in self.0.query(
            "SELECT id, kind, title, created_at FROM conversations WHERE id = ANY($1)",
            &[&keys],
        )? {
            rows.insert(r.get(0), r);
        }
        Ok(ids
            .iter()
            .filter_map(|id| {
                let r = rows.get(id.as_str())?;
                let mine = own.get(id.as_str());
                Some(Conversation {
                    id: id.clone(),
                    kind: kind_of(r.get(1)),
                    title: r.get(2),
                    members: members.remove(id.as_str()).unwrap_or_default(),
                    created_at: time_of(r.get(3)),
                    last_message: last.remove(id).map(Box::new),
                    unread_count: mine.map_or(0, |r| r.get(4)),
                    last_read_seq: mine.map_or(0, |r| r.get(1)),
                    mention_count: mine.map_or(0, |r| r.get(5)),
                    notify: mine.map_or(Notify::All, |r| Notify::parse(r.get(2))),
                    muted_until: mine.and_then(|r| r.get::<_, Option<i64>>(3)).map(time_of),
                    marked_unread: mine.is_some_and(|r| r.get(6)),
                })
            })
            .collect())
    }

    fn conversation_page(
        &mut self,
        user: &UserId,
        before: Option<&ListCursor>,
        limit: i64,
    ) -> StoreResult<Vec<ListCursor>> {
        Ok(self
            .0
            .query(
                "SELECT c.id, c.activity FROM members m JOIN conversations c ON c.id = m.conversation_id
                 WHERE m.user_id = $1
                   AND ($2::bigint IS NULL OR c.activity < $2 OR (c.activity = $2 AND c.id < $3))
                 ORDER BY c.activity DESC, c.id DESC LIMIT $4",
                &[
                    &user.as_str(),
                    &before.map(|b| b.activity),
                    &before.map(|b| b.id.as_str()),
                    &limit,
                ],
            )?
            .iter()
            .map(|r| ListCursor {
                id: ConversationId::new(r.get::<_, String>(0)),
                activity: r.get(1),
            })
            .collect())
    }

    fn events_since(
        &mut self,
        user: &UserId,
        since: i64,
        limit: i64,
    ) -> StoreResult<Vec<StoredEvent>> {
        Ok(self
            .0
            .query(
                "SELECT e.id, e.json FROM member_spans s
                 JOIN events e ON e.conversation_id = s.conversation_id
                              AND e.id >= s.start_event AND (s.end_event IS NULL OR e.id <= s.end_event)
                 WHERE s.user_id = $1 AND e.id > $2 AND (e.for_user IS NULL OR e.for_user = $1)
                 ORDER BY e.id LIMIT $3",
                &[&user.as_str(), &since, &limit],
            )?
            .iter()
            .map(|r| StoredEvent {
                id: r.get(0),
                json: Arc::from(r.get::<_, String>(1)),
            })
            .collect())
    }

    fn events_after(&mut self, since: i64, limit: i64) -> StoreResult<Vec<Published>> {
        Ok(self
            .0
            .query(
                "SELECT e.id, e.conversation_id, e.json,
                        array_agg(s.user_id) FILTER (WHERE s.user_id IS NOT NULL)
                 FROM events e
                 LEFT JOIN member_spans s ON s.conversation_id = e.conversation_id
                      AND e.id >= s.start_event AND (s.end_event IS NULL OR e.id <= s.end_event)
                      AND (e.for_user IS NULL OR s.user_id = e.for_user)
                 WHERE e.id > $1 GROUP BY e.id ORDER BY e.id LIMIT $2",
                &[&since, &limit],
            )?
            .iter()
            .map(|r| Published {
                id: r.get(0),
                conversation_id: ConversationId::new(r.get::<_, String>(1)),
                json: Arc::from(r.get::<_, String>(2)),
                recipients: r
                    .get::<_, Option<Vec<String>>>(3)
                    .unwrap_or_default()
                    .into_iter()
                    .map(UserId::new)
                    .collect(),
            })
            .collect())
    }

    fn latest_event(&mut self) -> StoreResult<i64> {
        Ok(self
            .0
            .query_one("SELECT COALESCE(MAX(id), 0)::bigint FROM events", &[])?
            .get(0))
    }

    fn ping(&mut self) -> StoreResult<()> {
        self.0.query_one("SELECT 1", &[])?;
        Ok(())
    }
}

impl ConversationWrites for PgTx<'_> {
    fn insert_conversation(
        &mut self,
        id: &ConversationId,
        kind: ConversationKind,
        title: Option<&str>,
        direct_key: Option<&str>,
    ) -> StoreResult<()> {
        let (now, activity) = (self.now(), self.next_event_id());
        self.conn().execute(
            "INSERT INTO conversations (id, kind, title, direct_key, created_at, activity) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&id.as_str(), &kind.as_str(), &title, &direct_key, &now, &activity],
        )?;
        Ok(())
    }

    fn set_title(&mut self, id: &ConversationId, title: &str) -> StoreResult<()> {
        self.conn().execute(
            "UPDATE conversations SET title = $1 WHERE id = $2",
            &[&title, &id.as_str()],
        )?;
        Ok(())
    }

    fn insert_member(&mut self, id: &ConversationId, user: &UserId, role: Role) -> StoreResult<()> {
        let start = self.next_event_id();
        let conn = self.conn();
        conn.execute(
            "INSERT INTO members (conversation_id, user_id, role) VALUES ($1, $2, $3)",
            &[&id.as_str(), &user.as_str(), &role.as_str()],
        )?;
        conn.execute(
            "INSERT INTO member_spans (user_id, conversation_id, start_event) VALUES ($1, $2, $3)",
            &[&user.as_str(), &id.as_str(), &start],
        )?;
        Ok(())
    }

    fn delete_member(&mut self, id: &ConversationId, user: &UserId) -> StoreResult<()> {
        let end = self.next_event_id();
        let conn = self.conn();
        conn.execute(
            "DELETE FROM members WHERE conversation_id = $1 AND user_id = $2",
            &[&id.as_str(), &user.as_str()],
        )?;
        conn.execute(
            "UPDATE member_spans SET end_event = $1
             WHERE user_id = $2 AND conversation_id = $3 AND end_event IS NULL",
            &[&end, &user.as_str(), &id.as_str()],
        )?;
        Ok(())
    }

    fn set_role(&mut self, id: &ConversationId, user: &UserId, role: Role) -> StoreResult<()> {
        self.conn().execute(
            "UPDATE members SET role = $1 WHERE conversation_id = $2 AND user_id = $3",
            &[&role.as_str(), &id.as_str(), &user.as_str()],
        )?;
        Ok(())
    }

    fn advance_read_marker(
        &mut self,
        id: &ConversationId,
        user: &UserId,
        seq: i64,
    ) -> StoreResult<bool> {
        Ok(self.conn().execute(
            "UPDATE members SET last_read_seq = $1
             WHERE conversation_id = $2 AND user_id = $3 AND last_read_seq < $1",
            &[&seq, &id.as_str(), &user.as_str()],
        )? > 0)
    }

    fn set_settings(
        &mut self,
        id: &ConversationId,
        user: &UserId,
        settings: &Settings,
    ) -> StoreResult<()> {
        self.conn().execute(
            "UPDATE members SET notify = $1, muted_until = $2, marked_unread = $3
             WHERE conversation_id = $4 AND user_id = $5",
            &[
                &settings.notify.as_str(),
                &settings.muted_until.map(|t| t.timestamp_millis()),
                &settings.marked_unread,
                &id.as_str(),
                &user.as_str(),
            ],
        )?;
        Ok(())
    }
}
