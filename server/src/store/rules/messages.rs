//! Messages: idempotent sends by `client_id`, gap-free `seq`, who may edit and delete,
//! bounded reactions, search scoped to the caller's conversations.

use parley_protocol::{
    ConversationId, EventPayload, Message, MessageId, ReactionChange, Role, UserId,
    limits::REACTIONS_PER_MESSAGE_MAX, mentions::mentioned_usernames, search::search_terms,
};
use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::conversations::{emit_to_members, require_member};
use crate::{
    clock::time_of,
    store::{
        NewMessage, Page, StoreError, StoreResult,
        persist::{NewEvent, Reader, Tx},
    },
};

/// The message `actor` already sent with `client_id`, if any. The same `client_id` in
/// another conversation is a conflict, not a second message.
pub fn already_sent(
    r: &mut dyn Reader,
    actor: &UserId,
    conversation: &ConversationId,
    client_id: Uuid,
) -> StoreResult<Option<Message>> {
    match r.message_by_client_id(actor, client_id)? {
        Some(m) if &m.conversation_id != conversation => Err(StoreError::Conflict(
            "this client_id was already used in another conversation".to_owned(),
        )),
        other => Ok(other),
    }
}

/// One message to send: see [`send_many`].
pub struct SendRequest {
    pub actor: UserId,
    pub conversation: ConversationId,
    pub new: NewMessage,
}

/// What a request in a run comes to, before `seq`s are handed out.
enum Decided {
    Done(Box<StoreResult<(Message, bool)>>),
    /// Accepted: the index of its message in the run's new ones.
    New(usize),
    /// The same `client_id` as an earlier request of the run: its answer, not stored again.
    Repeat(usize),
}

/// Stores messages and announces them; a repeated `client_id` returns the first message and
/// `false`. Checked inside the transaction, so two concurrent sends of one `client_id` give
/// one message.
///
/// A run of requests comes out exactly as one request after another would, with a few bulk reads
/// and writes instead of several statements per message (what makes ingest fast where each
/// statement is a round trip): sessions, memberships and `client_id`s are read for the whole
/// run up front, each request is decided against them and against the requests before it,
/// then the accepted ones get their `seq`s, are stored and announced together, in order.
///
/// The inner results are each request's own; the outer error is a storage failure, after
/// which the caller must undo whatever the run wrote.
pub fn send_many(
    tx: &mut dyn Tx,
    requests: &[SendRequest],
) -> StoreResult<Vec<StoreResult<(Message, bool)>>> {
    let sessions = distinct(requests.iter().filter_map(|r| r.new.session.clone()));
    let live = tx.read().live_sessions(&sessions)?;
    let pairs = distinct(
        requests
            .iter()
            .map(|r| (r.conversation.clone(), r.actor.clone())),
    );
    let roles = tx.read().roles(&pairs)?;
    let keys = distinct(requests.iter().map(|r| (r.actor.clone(), r.new.client_id)));
    let sent = tx.read().sent_client_ids(&keys)?;

    let now = time_of(tx.now());
    let mut fresh: Vec<Message> = Vec::new();
    let mut in_run: HashMap<(&UserId, Uuid), usize> = HashMap::new();
    let mut decided = Vec::with_capacity(requests.len());
    for SendRequest {
        actor,
        conversation,
        new,
    } in requests
    {
        let mut decide = |tx: &mut dyn Tx| -> StoreResult<Decided> {
            if let Some(session) = &new.session
                && !live.contains(session)
            {
                return Err(StoreError::SessionRevoked);
            }
            if !roles.contains_key(&(conversation.clone(), actor.clone())) {
                return Err(StoreError::NotFound);
            }
            let reused = || {
                StoreError::Conflict(
                    "this client_id was already used in another conversation".to_owned(),
                )
            };
            if let Some((c, id)) = sent.get(&(actor.clone(), new.client_id)) {
                if c != conversation {
                    return Err(reused());
                }
                let first = find(tx.read(), c, id)?;
                return Ok(Decided::Done(Box::new(Ok((first, false)))));
            }
            if let Some(&i) = in_run.get(&(actor, new.client_id)) {
                if &fresh[i].conversation_id != conversation {
                    return Err(reused());
                }
                return Ok(Decided::Repeat(i));
            }
            if let Some(reply_to) = &new.reply_to
                && tx.read().message(conversation, reply_to)?.is_none()
            {
                return Err(StoreError::Invalid(
                    "reply_to is not a message of this conversation".to_owned(),
                ));
            }
            let mut attachments = Vec::with_capacity(new.attachment_ids.len());
            for (i, id) in new.attachment_ids.iter().enumerate() {
                let Some(found) = tx.read().own_attachment(actor, id)? else {
                    return Err(StoreError::Invalid(format!(
                        "attachment_ids[{i}] is not an attachment you uploaded"
                    )));
                };
                attachments.push(found);
            }
            fresh.push(Message {
                id: MessageId::new(Uuid::now_v7().to_string()),
                conversation_id: conversation.clone(),
                sender_id: actor.clone(),
                client_id: new.client_id,
                seq: 0,
                body: new.body.clone(),
                reply_to: new.reply_to.clone(),
                created_at: now,
                edited_at: None,
                deleted: false,
                reactions: Vec::new(),
                attachments,
                mentions: Vec::new(),
            });
            Ok(Decided::New(fresh.len() - 1))
        };
        let outcome = match decide(tx) {
            Ok(Decided::New(i)) => {
                in_run.insert((actor, new.client_id), i);
                Decided::New(i)
            }
            Ok(other) => other,
            // A rule refused it; a storage error fails the run.
            Err(e @ StoreError::Other(_)) => return Err(e),
            Err(e) => Decided::Done(Box::new(Err(e))),
        };
        decided.push(outcome);
    }

    // `seq`s in request order within each conversation, whom each names, then one store
    // and one announcement.
    let counts = counts_in_order(fresh.iter().map(|m| &m.conversation_id));
    let mut next = tx.reserve_seqs(&counts)?;
    for m in &mut fresh {
        let seq = next.get_mut(&m.conversation_id).expect("reserved");
        m.seq = *seq;
        *seq += 1;
    }
    let conversations: Vec<ConversationId> = counts.into_iter().map(|(c, _)| c).collect();
    let members = tx.read().members_of(&conversations)?;
    let bodies: Vec<(&ConversationId, &str)> = fresh
        .iter()
        .map(|m| (&m.conversation_id, m.body.as_str()))
        .collect();
    let mentions = mentions_of(tx.read(), &bodies, &members)?;
    for (m, named) in fresh.iter_mut().zip(mentions) {
        m.mentions = named;
    }
    tx.insert_messages(&fresh)?;
    let events = fresh
        .iter()
        .map(|m| NewEvent {
            conversation: m.conversation_id.clone(),
            payload: EventPayload::MessageCreated(m.clone()),
            recipients: members.get(&m.conversation_id).cloned().unwrap_or_default(),
            for_user: None,
        })
        .collect();
    tx.append_events(events)?;

    Ok(decided
        .into_iter()
        .map(|d| match d {
            Decided::Done(result) => *result,
            Decided::New(i) => Ok((fresh[i].clone(), true)),
            Decided::Repeat(i) => Ok((fresh[i].clone(), false)),
        })
        .collect())
}

/// Whom each `(conversation, body)` names: the members of that conversation whose
/// `@username` it holds (`parley_protocol::mentions`), each once, in order of appearance.
fn mentions_of(
    r: &mut dyn Reader,
    bodies: &[(&ConversationId, &str)],
    members: &HashMap<ConversationId, Vec<UserId>>,
) -> StoreResult<Vec<Vec<UserId>>> {
    let named: Vec<Vec<String>> = bodies
        .iter()
        .map(|(_, body)| mentioned_usernames(body))
        .collect();
    let usernames = distinct(named.iter().flatten().cloned());
    if usernames.is_empty() {
        return Ok(vec![Vec::new(); bodies.len()]);
    }
    let ids: HashMap<String, UserId> = r
        .users_by_usernames(&usernames)?
        .into_iter()
        .map(|u| (u.username, u.id))
        .collect();
    Ok(bodies
        .iter()
        .zip(named)
        .map(|((conversation, _), names)| {
            let in_it = members.get(*conversation);
            distinct(
                names
                    .iter()
                    .filter_map(|n| ids.get(n))
                    .filter(|id| in_it.is_some_and(|m| m.contains(id)))
                    .cloned(),
            )
        })
        .collect())
}

/// The distinct items, in first-seen order.
fn distinct<T: Clone + Eq + std::hash::Hash>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    items.filter(|item| seen.insert(item.clone())).collect()
}

/// How often each conversation occurs, in first-seen order.
fn counts_in_order<'a>(
    conversations: impl Iterator<Item = &'a ConversationId>,
) -> Vec<(ConversationId, i64)> {
    let mut counts: Vec<(ConversationId, i64)> = Vec::new();
    let mut index: HashMap<&ConversationId, usize> = HashMap::new();
    for c in conversations {
        match index.get(c) {
            Some(&i) => counts[i].1 += 1,
            None => {
                index.insert(c, counts.len());
                counts.push((c.clone(), 1));
            }
        }
    }
    counts
}

/// A page of history in ascending `seq`, and whether more lies in the paging direction.
pub fn page(
    r: &mut dyn Reader,
    actor: &UserId,
    conversation: &ConversationId,
    page: Page,
    limit: i64,
) -> StoreResult<(Vec<Message>, bool)> {
    require_member(r, conversation, actor)?;
    let mut messages = r.messages(conversation, page, limit + 1)?;
    let has_more = messages.len() as i64 > limit;
    if has_more {
        match page {
            // Newest-first pages drop the oldest surplus; `After` pages the newest.
            Page::Latest | Page::Before(_) => drop(messages.remove(0)),
            Page::After(_) => drop(messages.pop()),
        }
    }
    Ok((messages, has_more))
}

fn find(r: &mut dyn Reader, conversation: &ConversationId, id: &MessageId) -> StoreResult<Message> {
    r.message(conversation, id)?.ok_or(StoreError::NotFound)
}

/// The sender edits their own message; a deleted one stays deleted.
pub fn edit(
    tx: &mut dyn Tx,
    actor: &UserId,
    conversation: &ConversationId,
    id: &MessageId,
    body: &str,
) -> StoreResult<Message> {
    require_member(tx.read(), conversation, actor)?;
    let message = find(tx.read(), conversation, id)?;
    if &message.sender_id != actor {
        return Err(StoreError::Forbidden(
            "only the sender may edit a message".to_owned(),
        ));
    }
    if message.deleted {
        return Err(StoreError::Conflict(
            "a deleted message cannot be edited".to_owned(),
        ));
    }
    let members = tx.read().members_of(std::slice::from_ref(conversation))?;
    let mentions = mentions_of(tx.read(), &[(conversation, body)], &members)?
        .pop()
        .unwrap_or_default();
    tx.set_body(id, body, &mentions)?;
    let message = find(tx.read(), conversation, id)?;
    emit_to_members(
        tx,
        conversation,
        EventPayload::MessageEdited(message.clone()),
    )?;
    Ok(message)
}

/// The sender or a group admin deletes a message, leaving its tombstone; deleting it again
/// changes nothing.
pub fn delete(
    tx: &mut dyn Tx,
    actor: &UserId,
    conversation: &ConversationId,
    id: &MessageId,
) -> StoreResult<()> {
    let role = require_member(tx.read(), conversation, actor)?;
    let message = find(tx.read(), conversation, id)?;
    if &message.sender_id != actor && role != Role::Admin {
        return Err(StoreError::Forbidden(
            "only the sender or a group admin may delete a message".to_owned(),
        ));
    }
    if message.deleted {
        return Ok(());
    }
    tx.tombstone(id)?;
    let tombstone = find(tx.read(), conversation, id)?;
    emit_to_members(tx, conversation, EventPayload::MessageDeleted(tombstone))
}

/// Adds or removes the caller's reaction. A new emoji on a message that already carries
/// [`REACTIONS_PER_MESSAGE_MAX`] distinct ones is refused, so no message, event or
/// conversation list can grow without bound; joining an emoji already there is always fine.
pub fn set_reaction(
    tx: &mut dyn Tx,
    actor: &UserId,
    conversation: &ConversationId,
    id: &MessageId,
    emoji: &str,
    present: bool,
) -> StoreResult<()> {
    require_member(tx.read(), conversation, actor)?;
    if find(tx.read(), conversation, id)?.deleted {
        return Err(StoreError::Conflict(
            "a deleted message takes no reactions".to_owned(),
        ));
    }
    if present {
        let (distinct, there) = tx.read().reaction_room(id, emoji)?;
        if !there && distinct >= REACTIONS_PER_MESSAGE_MAX {
            return Err(StoreError::Limit {
                code: "too_many_reactions",
                message: format!(
                    "a message carries at most {REACTIONS_PER_MESSAGE_MAX} different reactions"
                ),
            });
        }
    }
    if tx.set_reaction(id, emoji, actor, present)? {
        let change = ReactionChange {
            message_id: id.clone(),
            emoji: emoji.to_owned(),
            user_id: actor.clone(),
        };
        let payload = if present {
            EventPayload::ReactionAdded(change)
        } else {
            EventPayload::ReactionRemoved(change)
        };
        emit_to_members(tx, conversation, payload)?;
    }
    Ok(())
}

/// Full-text search in the conversations `actor` is a member of now (or in `conversation`
/// only), newest first; the query's words are read as both sides read them
/// (`parley_protocol::search`).
pub fn search(
    r: &mut dyn Reader,
    actor: &UserId,
    query: &str,
    conversation: Option<&ConversationId>,
    limit: i64,
) -> StoreResult<Vec<Message>> {
    let terms = search_terms(query);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    r.search(actor, &terms, conversation, limit)
}
