//! WebSocket frames (text frames, JSON, `type`-tagged).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    AttachmentId, ConversationId, Cursor, ErrorDetail, Event, Message, MessageId, SecretString,
    UserId,
};

/// What a client sends. The first frame must be `hello`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ClientFrame {
    /// `since: null` replays nothing and streams from `ready.cursor` on.
    Hello {
        access_token: SecretString,
        #[serde(default)]
        since: Option<Cursor>,
    },
    Send {
        conversation_id: ConversationId,
        #[cfg_attr(feature = "ts", ts(as = "String"))]
        client_id: Uuid,
        body: String,
        #[serde(default)]
        reply_to: Option<MessageId>,
        #[serde(default)]
        attachment_ids: Vec<AttachmentId>,
    },
    Typing {
        conversation_id: ConversationId,
    },
}

/// What the server sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ServerFrame {
    /// `cursor` is the newest cursor at the time of the hello.
    Ready {
        user_id: UserId,
        cursor: Cursor,
    },
    Event {
        cursor: Cursor,
        event: Event,
    },
    /// Too much to replay (or this socket fell behind): page `GET /api/v1/sync`.
    Resync,
    Ack {
        #[cfg_attr(feature = "ts", ts(as = "String"))]
        client_id: Uuid,
        message: Message,
    },
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(as = "Option<String>"))]
        client_id: Option<Uuid>,
        error: ErrorDetail,
        /// Seconds to wait before trying again, with code `rate_limited`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        retry_after: Option<u64>,
    },
    Typing {
        conversation_id: ConversationId,
        user_id: UserId,
    },
    /// Someone who shares a conversation came online or went offline (and, right after
    /// `ready`, one for each who is online now).
    Presence {
        user_id: UserId,
        online: bool,
        last_seen_at: Option<DateTime<Utc>>,
    },
}

/// Close code for an expired or revoked token.
pub const CLOSE_UNAUTHORIZED: u16 = 4001;
