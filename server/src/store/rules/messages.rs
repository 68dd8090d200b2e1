//! Messages: idempotent sends by `client_id`, gap-free `seq`, who may edit and delete,
//! bounded reactions, search scoped to the caller's conversations.

use parley_protocol::{
    ConversationId, EventPayload, Message, MessageId, ReactionChange, Role, UserId,
    limits::REACTIONS_PER_MESSAGE_MAX, search::search_terms,
};
use uuid::Uuid;

use super::conversations::{emit_to_members, require_member};
use crate::{
    clock::time_of,
    store::{
        NewMessage, Page, StoreError, StoreResult,
        persist::{Reader, Tx},
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

/// Stores a message and announces it; a repeated `client_id` returns the first message and
/// `false`. Checked inside the transaction, so two concurrent sends of one `client_id` give
/// one message.
pub fn send(
    tx: &mut dyn Tx,
    actor: &UserId,
    conversation: &ConversationId,
    new: NewMessage,
) -> StoreResult<(Message, bool)> {
    if let Some(session) = &new.session
        && tx.read().live_session_owner(session)?.is_none()
    {
        return Err(StoreError::SessionRevoked);
    }
    require_member(tx.read(), conversation, actor)?;
    if let Some(existing) = already_sent(tx.read(), actor, conversation, new.client_id)? {
        return Ok((existing, false));
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
    let message = Message {
        id: MessageId::new(Uuid::now_v7().to_string()),
        conversation_id: conversation.clone(),
        sender_id: actor.clone(),
        client_id: new.client_id,
        seq: tx.next_seq(conversation)?,
        body: new.body,
        reply_to: new.reply_to,
        created_at: time_of(tx.now()),
        edited_at: None,
        deleted: false,
        reactions: Vec::new(),
        attachments,
    };
    tx.insert_message(&message)?;
    emit_to_members(
        tx,
        conversation,
        EventPayload::MessageCreated(message.clone()),
    )?;
    Ok((message, true))
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
    tx.set_body(id, body)?;
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
