//! The plain structs the cache hands out. They wrap the wire types where the wire already says
//! it all, and add only what is local: delivery state, the list title, "left".

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use parley_protocol::{Conversation, ConversationId, Cursor, Message, MessageId};
use uuid::Uuid;

/// Where a message stands on its way to the server.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Delivery {
    /// The server has it (it has an id and a `seq`).
    Sent,
    /// In the outbox, waiting to be sent (or being sent).
    Pending,
    /// In the outbox, refused for good; `reason` is for the user. Retry or discard it.
    Failed { reason: String },
}

/// One message as the UI shows it.
///
/// For a message still in the outbox (`delivery` is not `Sent`) the wire fields are filled in
/// locally: `id` is `local:<client_id>`, `seq` is 0, `sender_id` is the account's own user
/// (empty if the cache was never told who that is), `created_at` is when it was composed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CachedMessage {
    pub message: Message,
    pub delivery: Delivery,
    /// Changes made to this (sent) message on this device that the server has not
    /// acknowledged yet; `message` already shows them. Absent when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub unsent: Option<UnsentChanges>,
}

/// What of a message's changes is still on its way to the server.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UnsentChanges {
    /// An edit (the text shown is the new one).
    pub edit: bool,
    /// Its deletion (it shows as deleted already).
    pub delete: bool,
    /// The emoji of the account's reactions added or taken back.
    pub reactions: Vec<String>,
}

impl CachedMessage {
    pub fn is_sent(&self) -> bool {
        self.delivery == Delivery::Sent
    }
}

/// One conversation as the list shows it.
///
/// `conversation` is in wire shape, with the local view of the per-user fields:
/// `last_message` is the newest cached message, `unread_count` / `last_read_seq` are the last
/// values the server sent for this account, adjusted by the events applied since.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CachedConversation {
    pub conversation: Conversation,
    /// The group title, or for a direct conversation the other member's display name
    /// (their username, or their id, when their profile is not cached).
    pub display_title: String,
    /// True once the account left or was removed: hidden from [`Cache::conversations`], but
    /// its messages stay readable.
    ///
    /// [`Cache::conversations`]: super::Cache::conversations
    pub left: bool,
    /// The newest of: creation, the last cached message, the last message composed here.
    /// [`Cache::conversations`](super::Cache::conversations) sorts on it, newest first.
    pub activity_at: DateTime<Utc>,
}

/// Which page of a conversation [`Cache::messages`](super::Cache::messages) returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// The newest sent messages, followed by everything still in the outbox.
    Latest,
    /// Sent messages with a lower `seq` (scrolling back).
    Before(i64),
    /// Sent messages with a higher `seq`; outbox entries follow once the page reaches the end.
    After(i64),
}

/// The state of an outbox entry.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum OutboxState {
    Pending,
    Failed { reason: String },
}

/// A message composed on this device that the server has not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutboxEntry {
    #[cfg_attr(feature = "ts", ts(as = "String"))]
    pub client_id: Uuid,
    pub conversation_id: ConversationId,
    pub body: String,
    pub reply_to: Option<MessageId>,
    pub created_at: DateTime<Utc>,
    pub state: OutboxState,
    /// Send attempts so far (for backoff).
    pub attempts: u32,
    /// Do not try again before this; `None`: as soon as possible.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The files going with it, in order.
    pub attachments: Vec<StagedAttachment>,
}

/// A file picked to be sent, kept on this device until its message is acknowledged.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StagedAttachment {
    #[cfg_attr(feature = "ts", ts(as = "String"))]
    pub staged_id: Uuid,
    /// Sanitized: no directories, no control characters, at most 255 characters.
    pub name: String,
    /// Bytes.
    pub size: i64,
    pub content_type: String,
}

/// A staged file as the sending task sees it: with the server's id once it is uploaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagedUpload {
    pub file: StagedAttachment,
    pub attachment_id: Option<parley_protocol::AttachmentId>,
}

/// What [`Cache::apply_events`](super::Cache::apply_events) changed, so a UI can patch itself
/// instead of reloading. Empty when the batch was already applied.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppliedSummary {
    /// Conversations whose list row changed: title, members, unread count, last message, left.
    pub conversations: BTreeSet<ConversationId>,
    /// Messages created or changed, by conversation.
    pub messages: BTreeMap<ConversationId, BTreeSet<MessageId>>,
    /// Conversations where some member's read marker moved (for "seen by").
    pub read_markers: BTreeSet<ConversationId>,
    /// Conversations the cache first heard of through an event, or cannot fully describe from
    /// events alone: fetch `GET /conversations/{id}` and pass it to `upsert_conversation`
    /// (events carry no per-user unread count or read marker).
    pub refetch: BTreeSet<ConversationId>,
    /// The cursor stored with this batch (the last event's), if the batch was not empty.
    pub cursor: Option<Cursor>,
}

impl AppliedSummary {
    /// True when nothing a UI shows changed and nothing needs fetching.
    pub fn is_empty(&self) -> bool {
        self.conversations.is_empty()
            && self.messages.is_empty()
            && self.read_markers.is_empty()
            && self.refetch.is_empty()
    }

    pub(super) fn message(&mut self, conversation: &ConversationId, message: &MessageId) {
        self.messages
            .entry(conversation.clone())
            .or_default()
            .insert(message.clone());
    }
}
