//! The event stream: every change a user may see, with an ordered cursor.

use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

use crate::{Conversation, ConversationId, Cursor, Message, MessageId, Settings, UserId};

/// `{cursor, type, conversation_id, at, data}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Event {
    pub cursor: Cursor,
    pub conversation_id: ConversationId,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub payload: EventPayload,
}

/// `type` and `data` of an event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EventPayload {
    #[serde(rename = "message.created")]
    MessageCreated(Message),
    #[serde(rename = "message.edited")]
    MessageEdited(Message),
    /// The data is the tombstone.
    #[serde(rename = "message.deleted")]
    MessageDeleted(Message),
    #[serde(rename = "reaction.added")]
    ReactionAdded(ReactionChange),
    #[serde(rename = "reaction.removed")]
    ReactionRemoved(ReactionChange),
    #[serde(rename = "conversation.created")]
    ConversationCreated(Conversation),
    #[serde(rename = "conversation.updated")]
    ConversationUpdated(Conversation),
    #[serde(rename = "member.added")]
    MemberAdded(MemberChange),
    #[serde(rename = "member.removed")]
    MemberRemoved(MemberChange),
    #[serde(rename = "read.updated")]
    ReadUpdated(ReadChange),
    /// The caller's own notification settings changed (seen only by them).
    #[serde(rename = "settings.updated")]
    SettingsUpdated(Settings),
}

impl EventPayload {
    /// The contract's `type` string.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::MessageCreated(_) => "message.created",
            Self::MessageEdited(_) => "message.edited",
            Self::MessageDeleted(_) => "message.deleted",
            Self::ReactionAdded(_) => "reaction.added",
            Self::ReactionRemoved(_) => "reaction.removed",
            Self::ConversationCreated(_) => "conversation.created",
            Self::ConversationUpdated(_) => "conversation.updated",
            Self::MemberAdded(_) => "member.added",
            Self::MemberRemoved(_) => "member.removed",
            Self::ReadUpdated(_) => "read.updated",
            Self::SettingsUpdated(_) => "settings.updated",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReactionChange {
    pub message_id: MessageId,
    pub emoji: String,
    pub user_id: UserId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MemberChange {
    pub user_id: UserId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReadChange {
    pub user_id: UserId,
    pub seq: i64,
}
