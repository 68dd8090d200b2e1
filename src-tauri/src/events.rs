//! Engine events become UI events in one mapping, emitted as batches on one event name.

use parley_client::{
    ConnectionState, EngineEvent,
    cache::{AppliedSummary, Delivery},
    protocol::{ConversationId, MessageId, UserId},
};
use serde::Serialize;
use tauri::{AppHandle, Emitter};

/// The single event name the UI listens to.
pub const EVENTS: &str = "parley://events";

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum UiEvent {
    State {
        state: ConnectionState,
    },
    Applied {
        summary: AppliedSummary,
    },
    Outbox {
        #[cfg_attr(test, ts(as = "String"))]
        client_id: uuid::Uuid,
        conversation_id: ConversationId,
        delivery: Delivery,
    },
    Typing {
        conversation_id: ConversationId,
        user_id: UserId,
    },
    /// `last_seen_at`: RFC 3339, null while unknown or hidden.
    Presence {
        user_id: UserId,
        online: bool,
        last_seen_at: Option<String>,
    },
    Progress {
        applied: usize,
    },
    /// First sign-in: `done` of `total` conversations loaded.
    Backfill {
        done: usize,
        total: usize,
    },
    /// A file of a pending message uploading: `sent` of `total` bytes.
    Upload {
        #[cfg_attr(test, ts(as = "String"))]
        client_id: uuid::Uuid,
        conversation_id: ConversationId,
        #[cfg_attr(test, ts(as = "String"))]
        staged_id: uuid::Uuid,
        name: String,
        #[cfg_attr(test, ts(type = "number"))]
        sent: u64,
        #[cfg_attr(test, ts(type = "number"))]
        total: u64,
    },
    /// Show this conversation (a notification was clicked), at `message_id` when the
    /// notification announced one message (`seq` is its place, for loading older history).
    OpenConversation {
        conversation_id: ConversationId,
        message_id: Option<MessageId>,
        seq: Option<i64>,
    },
    /// Signed in, out, or switched: the UI reloads everything.
    Account {
        active: Option<String>,
    },
    /// Something changed in an account not on screen (its unread count, say).
    OtherAccounts,
}

impl From<EngineEvent> for UiEvent {
    fn from(event: EngineEvent) -> Self {
        match event {
            EngineEvent::State { state } => Self::State { state },
            EngineEvent::Applied { summary } => Self::Applied { summary },
            EngineEvent::Outbox {
                client_id,
                conversation_id,
                delivery,
            } => Self::Outbox {
                client_id,
                conversation_id,
                delivery,
            },
            EngineEvent::Typing {
                conversation_id,
                user_id,
            } => Self::Typing {
                conversation_id,
                user_id,
            },
            EngineEvent::Presence {
                user_id,
                online,
                last_seen_at,
            } => Self::Presence {
                user_id,
                online,
                last_seen_at: last_seen_at.map(|t| t.to_rfc3339()),
            },
            EngineEvent::Progress { applied } => Self::Progress { applied },
            EngineEvent::Backfill { done, total } => Self::Backfill { done, total },
            EngineEvent::Upload {
                client_id,
                conversation_id,
                staged_id,
                name,
                sent,
                total,
            } => Self::Upload {
                client_id,
                conversation_id,
                staged_id,
                name,
                sent,
                total,
            },
        }
    }
}

/// Sends one batch to the UI.
pub fn emit(app: &AppHandle, batch: Vec<UiEvent>) {
    if batch.is_empty() {
        return;
    }
    if let Err(e) = app.emit(EVENTS, batch) {
        tracing::warn!(error = %e, "could not emit UI events");
    }
}
