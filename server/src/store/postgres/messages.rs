//! Messages, reactions and search in PostgreSQL. Messages are completed (reactions,
//! attachments) in two queries per page, not two per message.
//!
//! Search: the server splits a body into words exactly as the SQLite index and the client's
//! cache do (runs of letters and digits, lower case, diacritics removed) and stores them as
//! lexemes (`array_to_tsvector`), so PostgreSQL's own parser — whose idea of a word depends
//! on the locale and knows URLs and e-mail addresses — never decides what a word is. A query
//! is the same words as prefixes, written as a `tsquery` literal.

use std::collections::HashMap;

use parley_protocol::{
    Attachment, AttachmentId, ConversationId, Message, MessageId, Reaction, UserId,
};
use postgres::Row;
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
use uuid::Uuid;

use super::{PgConn, PgDb, writer::PgTx};
use crate::{
    clock::time_of,
    store::{
        Page, StoreResult, mention_list,
        persist::{MessageReads, MessageWrites, TxCore},
    },
};

/// `SELECT` of a message row's columns, then `$rest` (a literal, so the statement can be
/// prepared once per connection).
macro_rules! select_messages {
    ($rest:literal) => {
        concat!(
            "SELECT pk, id, conversation_id, seq, sender_id, client_id, body, reply_to, created_at, edited_at, deleted, mentions FROM messages ",
            $rest
        )
    };
}

/// The words of `text` as every search index here sees them.
pub(in crate::store) fn lexemes(text: &str) -> Vec<String> {
    let folded: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase();
    let mut words: Vec<String> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// A `tsquery` literal: every term as a prefix, all required.
fn prefix_query(terms: &[&str]) -> String {
    terms
        .iter()
        .flat_map(|t| lexemes(t))
        .map(|t| format!("'{}':*", t.replace('\\', "\\\\").replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(" & ")
}

fn raw(r: &Row) -> (i64, Message) {
    let client_id: String = r.get(5);
    (
        r.get(0),
        Message {
            id: MessageId::new(r.get::<_, String>(1)),
            conversation_id: ConversationId::new(r.get::<_, String>(2)),
            seq: r.get(3),
            sender_id: UserId::new(r.get::<_, String>(4)),
            client_id: Uuid::parse_str(&client_id).unwrap_or_default(),
            body: String::from_utf8(r.get::<_, Vec<u8>>(6))
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            reply_to: r.get::<_, Option<String>>(7).map(MessageId::new),
            created_at: time_of(r.get(8)),
            edited_at: r.get::<_, Option<i64>>(9).map(time_of),
            deleted: r.get(10),
            reactions: Vec::new(),
            attachments: Vec::new(),
            mentions: r
                .get::<_, &str>(11)
                .split_whitespace()
                .map(UserId::new)
                .collect(),
        },
    )
}

pub(super) fn attachment_row(r: &Row) -> Attachment {
    Attachment {
        id: AttachmentId::new(r.get::<_, String>(0)),
        size: r.get(1),
        content_type: r.get(2),
        sha256: r.get(3),
        name: r.get(4),
    }
}

/// Fills in reactions and attachments of the messages, in two queries.
fn complete(conn: &mut PgConn, rows: Vec<Row>) -> StoreResult<Vec<Message>> {
    let raws: Vec<(i64, Message)> = rows.iter().map(raw).collect();
    let live: Vec<i64> = raws
        .iter()
        .filter(|(_, m)| !m.deleted)
        .map(|(pk, _)| *pk)
        .collect();
    let mut reactions: HashMap<i64, Vec<Reaction>> = HashMap::new();
    let mut attachments: HashMap<i64, Vec<Attachment>> = HashMap::new();
    if !live.is_empty() {
        for r in conn.query(
            "SELECT message_pk, emoji, user_id FROM reactions WHERE message_pk = ANY($1)
             ORDER BY message_pk, created_at, emoji, user_id",
            &[&live],
        )? {
            let (emoji, user): (String, String) = (r.get(1), r.get(2));
            let list = reactions.entry(r.get(0)).or_default();
            match list.iter_mut().find(|x| x.emoji == emoji) {
                Some(reaction) => {
                    reaction.count += 1;
                    reaction.user_ids.push(UserId::new(user));
                }
                None => list.push(Reaction {
                    emoji,
                    count: 1,
                    user_ids: vec![UserId::new(user)],
                }),
            }
        }
        for r in conn.query(
            "SELECT ma.message_pk, a.id, a.size, a.content_type, a.sha256, a.name
             FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id
             WHERE ma.message_pk = ANY($1) ORDER BY ma.message_pk, ma.position",
            &[&live],
        )? {
            attachments.entry(r.get(0)).or_default().push(Attachment {
                id: AttachmentId::new(r.get::<_, String>(1)),
                size: r.get(2),
                content_type: r.get(3),
                sha256: r.get(4),
                name: r.get(5),
            });
        }
    }
    Ok(raws
        .into_iter()
        .map(|(pk, mut m)| {
            m.reactions = reactions.remove(&pk).unwrap_or_default();
            m.attachments = attachments.remove(&pk).unwrap_or_default();
            m
        })
        .collect())
}

fn one(conn: &mut PgConn, row: Option<Row>) -> StoreResult<Option<Message>> {
    Ok(complete(conn, row.into_iter().collect())?.pop())
}

/// The last message of each conversation.
pub(super) fn last_messages(
    conn: &mut PgConn,
    conversations: &[&str],
) -> StoreResult<Vec<Message>> {
    let rows = conn.query(
        "SELECT m.pk, m.id, m.conversation_id, m.seq, m.sender_id, m.client_id, m.body, m.reply_to,
                m.created_at, m.edited_at, m.deleted, m.mentions
         FROM conversations c JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq
         WHERE c.id = ANY($1)",
        &[&conversations],
    )?;
    complete(conn, rows)
}

fn pk_of(conn: &mut PgConn, id: &MessageId) -> StoreResult<i64> {
    Ok(conn
        .query_one("SELECT pk FROM messages WHERE id = $1", &[&id.as_str()])?
        .get(0))
}

impl MessageReads for PgDb<'_> {
    fn message(
        &mut self,
        conversation: &ConversationId,
        id: &MessageId,
    ) -> StoreResult<Option<Message>> {
        let row = self.0.query_opt(
            select_messages!("WHERE conversation_id = $1 AND id = $2"),
            &[&conversation.as_str(), &id.as_str()],
        )?;
        one(self.0, row)
    }

    fn message_by_seq(
        &mut self,
        conversation: &ConversationId,
        seq: i64,
    ) -> StoreResult<Option<Message>> {
        let row = self.0.query_opt(
            select_messages!("WHERE conversation_id = $1 AND seq = $2"),
            &[&conversation.as_str(), &seq],
        )?;
        one(self.0, row)
    }

    fn message_by_client_id(
        &mut self,
        sender: &UserId,
        client_id: Uuid,
    ) -> StoreResult<Option<Message>> {
        let row = self.0.query_opt(
            select_messages!("WHERE sender_id = $1 AND client_id = $2"),
            &[&sender.as_str(), &client_id.to_string()],
        )?;
        one(self.0, row)
    }

    fn sent_client_ids(
        &mut self,
        keys: &[(UserId, Uuid)],
    ) -> StoreResult<HashMap<(UserId, Uuid), (ConversationId, MessageId)>> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let (senders, client_ids): (Vec<&str>, Vec<String>) = keys
            .iter()
            .map(|(s, c)| (s.as_str(), c.to_string()))
            .unzip();
        let mut sent = HashMap::new();
        for r in self.0.query(
            "SELECT m.sender_id, m.client_id, m.conversation_id, m.id FROM messages m
             JOIN UNNEST($1::text[], $2::text[]) AS k(s, c)
               ON m.sender_id = k.s AND m.client_id = k.c",
            &[&senders, &client_ids],
        )? {
            let Ok(client_id) = Uuid::parse_str(r.get::<_, &str>(1)) else {
                continue;
            };
            sent.insert(
                (UserId::new(r.get::<_, String>(0)), client_id),
                (
                    ConversationId::new(r.get::<_, String>(2)),
                    MessageId::new(r.get::<_, String>(3)),
                ),
            );
        }
        Ok(sent)
    }

    fn messages(
        &mut self,
        conversation: &ConversationId,
        page: Page,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        let c = conversation.as_str();
        let rows = match page {
            Page::Latest => self.0.query(
                select_messages!("WHERE conversation_id = $1 ORDER BY seq DESC LIMIT $2"),
                &[&c, &limit],
            )?,
            Page::Before(seq) => self.0.query(
                select_messages!(
                    "WHERE conversation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"
                ),
                &[&c, &seq, &limit],
            )?,
            Page::After(seq) => self.0.query(
                select_messages!(
                    "WHERE conversation_id = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3"
                ),
                &[&c, &seq, &limit],
            )?,
        };
        let mut messages = complete(self.0, rows)?;
        if !matches!(page, Page::After(_)) {
            messages.reverse();
        }
        Ok(messages)
    }

    fn reaction_room(&mut self, message: &MessageId, emoji: &str) -> StoreResult<(usize, bool)> {
        let pk = pk_of(self.0, message)?;
        let r = self.0.query_one(
            "SELECT COUNT(DISTINCT emoji), COALESCE(bool_or(emoji = $2), false)
             FROM reactions WHERE message_pk = $1",
            &[&pk, &emoji],
        )?;
        Ok((r.get::<_, i64>(0).max(0) as usize, r.get(1)))
    }

    /// Membership first, newest first, stopping at `limit` hits.
    fn search(
        &mut self,
        user: &UserId,
        terms: &[&str],
        conversation: Option<&ConversationId>,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        let query = prefix_query(terms);
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self.0.query(
            "SELECT m.pk, m.id, m.conversation_id, m.seq, m.sender_id, m.client_id, m.body, m.reply_to,
                    m.created_at, m.edited_at, m.deleted, m.mentions
             FROM messages m
             WHERE m.words @@ $1::text::tsquery AND NOT m.deleted
               AND m.conversation_id IN (SELECT conversation_id FROM members
                                         WHERE user_id = $2 AND ($3::text IS NULL OR conversation_id = $3))
             ORDER BY m.pk DESC LIMIT $4",
            &[
                &query,
                &user.as_str(),
                &conversation.map(ConversationId::as_str),
                &limit,
            ],
        )?;
        complete(self.0, rows)
    }

    fn message_count(&mut self) -> StoreResult<i64> {
        Ok(self
            .0
            .query_one("SELECT COALESCE(MAX(pk), 0)::bigint FROM messages", &[])?
            .get(0))
    }
}

impl MessageWrites for PgTx<'_> {
    fn next_seq(&mut self, conversation: &ConversationId) -> StoreResult<i64> {
        Ok(self
            .conn()
            .query_one(
                "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
                &[&conversation.as_str()],
            )?
            .get(0))
    }

    fn reserve_seqs(
        &mut self,
        counts: &[(ConversationId, i64)],
    ) -> StoreResult<HashMap<ConversationId, i64>> {
        if counts.is_empty() {
            return Ok(HashMap::new());
        }
        let (ids, ns): (Vec<&str>, Vec<i64>) = counts.iter().map(|(c, n)| (c.as_str(), *n)).unzip();
        Ok(self
            .conn()
            .query(
                "UPDATE conversations c SET last_seq = c.last_seq + n.k
                 FROM UNNEST($1::text[], $2::bigint[]) AS n(id, k)
                 WHERE c.id = n.id
                 RETURNING c.id, c.last_seq - n.k + 1",
                &[&ids, &ns],
            )?
            .iter()
            .map(|r| (ConversationId::new(r.get::<_, String>(0)), r.get(1)))
            .collect())
    }

    fn insert_messages(&mut self, messages: &[Message]) -> StoreResult<()> {
        if messages.is_empty() {
            return Ok(());
        }
        let mut columns = MessageColumns::default();
        for m in messages {
            columns.push(m);
        }
        let MessageColumns {
            ids,
            conversations,
            seqs,
            senders,
            client_ids,
            bodies,
            reply_tos,
            created,
            words,
            mentions,
            attached_to,
            positions,
            attachments,
        } = &columns;
        // One statement: the messages, and their attachments joined on the new rows' keys.
        self.conn().execute(
            "WITH inserted AS (
                 INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, body, reply_to, created_at, words, mentions)
                 SELECT id, c, seq, s, cid, body, r, at, array_to_tsvector(string_to_array(w, ' ')), mn
                 FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bytea[],
                             $7::text[], $8::bigint[], $9::text[], $10::text[])
                      AS t(id, c, seq, s, cid, body, r, at, w, mn)
                 RETURNING id, pk
             )
             INSERT INTO message_attachments (message_pk, position, attachment_id)
             SELECT inserted.pk, a.p, a.a
             FROM UNNEST($11::text[], $12::bigint[], $13::text[]) AS a(m, p, a)
             JOIN inserted ON inserted.id = a.m",
            &[
                ids,
                conversations,
                seqs,
                senders,
                client_ids,
                bodies,
                reply_tos,
                created,
                words,
                mentions,
                attached_to,
                positions,
                attachments,
            ],
        )?;
        Ok(())
    }

    fn insert_message(&mut self, m: &Message) -> StoreResult<()> {
        self.insert_messages(std::slice::from_ref(m))
    }

    fn set_body(&mut self, id: &MessageId, body: &str, mentions: &[UserId]) -> StoreResult<()> {
        let now = self.now();
        self.conn().execute(
            "UPDATE messages SET body = $1, edited_at = $2, words = array_to_tsvector($3::text[]), mentions = $4
             WHERE id = $5",
            &[
                &body.as_bytes(),
                &now,
                &lexemes(body),
                &mention_list(mentions),
                &id.as_str(),
            ],
        )?;
        Ok(())
    }

    fn tombstone(&mut self, id: &MessageId) -> StoreResult<()> {
        let conn = self.conn();
        let pk = pk_of(conn, id)?;
        conn.execute("DELETE FROM reactions WHERE message_pk = $1", &[&pk])?;
        conn.execute(
            "DELETE FROM message_attachments WHERE message_pk = $1",
            &[&pk],
        )?;
        conn.execute(
            "UPDATE messages SET deleted = true, body = ''::bytea, words = ''::tsvector, mentions = '' WHERE pk = $1",
            &[&pk],
        )?;
        Ok(())
    }

    fn set_reaction(
        &mut self,
        message: &MessageId,
        emoji: &str,
        user: &UserId,
        present: bool,
    ) -> StoreResult<bool> {
        let now = self.now();
        let conn = self.conn();
        let pk = pk_of(conn, message)?;
        let changed = if present {
            conn.execute(
                "INSERT INTO reactions (message_pk, emoji, user_id, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[&pk, &emoji, &user.as_str(), &now],
            )?
        } else {
            conn.execute(
                "DELETE FROM reactions WHERE message_pk = $1 AND emoji = $2 AND user_id = $3",
                &[&pk, &emoji, &user.as_str()],
            )?
        };
        Ok(changed > 0)
    }
}

/// New messages as columns, for one multi-row insert.
#[derive(Default)]
struct MessageColumns<'a> {
    ids: Vec<&'a str>,
    conversations: Vec<&'a str>,
    seqs: Vec<i64>,
    senders: Vec<&'a str>,
    client_ids: Vec<String>,
    bodies: Vec<&'a [u8]>,
    reply_tos: Vec<Option<&'a str>>,
    created: Vec<i64>,
    /// Each message's lexemes separated by spaces (a lexeme is letters and digits only).
    words: Vec<String>,
    mentions: Vec<String>,
    /// One row per attachment: the message's id, the position, the attachment's id.
    attached_to: Vec<&'a str>,
    positions: Vec<i64>,
    attachments: Vec<&'a str>,
}

impl<'a> MessageColumns<'a> {
    fn push(&mut self, m: &'a Message) {
        self.ids.push(m.id.as_str());
        self.conversations.push(m.conversation_id.as_str());
        self.seqs.push(m.seq);
        self.senders.push(m.sender_id.as_str());
        self.client_ids.push(m.client_id.to_string());
        self.bodies.push(m.body.as_bytes());
        self.reply_tos
            .push(m.reply_to.as_ref().map(MessageId::as_str));
        self.created.push(m.created_at.timestamp_millis());
        self.words.push(lexemes(&m.body).join(" "));
        self.mentions.push(mention_list(&m.mentions));
        for (position, a) in m.attachments.iter().enumerate() {
            self.attached_to.push(m.id.as_str());
            self.positions.push(position as i64);
            self.attachments.push(a.id.as_str());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{lexemes, prefix_query};

    #[test]
    fn words_are_split_and_folded_like_the_other_indexes() {
        assert_eq!(
            lexemes("It's the snake_case Café, café!"),
            ["cafe", "case", "it", "s", "snake", "the"]
        );
        assert_eq!(lexemes("Größe 2026"), ["2026", "große"]);
        assert!(lexemes(" -- ").is_empty());
    }

    #[test]
    fn a_query_is_a_tsquery_literal_of_prefixes() {
        assert_eq!(prefix_query(&["It", "café"]), "'it':* & 'cafe':*");
        assert_eq!(prefix_query(&[]), "");
    }
}
