//! REST request and response bodies, and query strings.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    AttachmentId, Conversation, ConversationId, ConversationKind, Cursor, Event, Message,
    MessageId, Role, SecretString, Session, SessionInfo, User, UserId,
};

/// A field that may be left out but, when given, must hold a value (not `null`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

macro_rules! wire {
    ($($item:item)+) => {$(
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        $item
    )+};
}

wire! {
    /// `POST /api/v1/auth/register`
    pub struct RegisterRequest {
        pub username: String,
        pub password: SecretString,
        #[serde(default)]
        pub display_name: Option<String>,
        #[serde(default)]
        pub device_name: Option<String>,
    }

    /// `POST /api/v1/auth/login`
    pub struct LoginRequest {
        pub username: String,
        pub password: SecretString,
        #[serde(default)]
        pub device_name: Option<String>,
    }

    /// `POST /api/v1/auth/refresh`
    pub struct RefreshRequest {
        pub refresh_token: SecretString,
    }

    /// The answer to register and login.
    pub struct AuthResponse {
        pub user: User,
        pub session: Session,
    }

    pub struct SessionsResponse {
        pub sessions: Vec<SessionInfo>,
    }

    /// `POST /api/v1/me/password`
    pub struct ChangePasswordRequest {
        pub current_password: SecretString,
        pub new_password: SecretString,
    }

    /// `PATCH /api/v1/me`: what is given changes (absent: unchanged; null is refused).
    pub struct UpdateMeRequest {
        #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
        pub display_name: Option<String>,
        #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
        pub show_presence: Option<bool>,
    }

    pub struct UsersResponse {
        pub users: Vec<User>,
    }

    /// `POST /api/v1/conversations`. `direct` takes exactly one other member and no title;
    /// `group` takes a title and any number of other members.
    pub struct CreateConversationRequest {
        pub kind: ConversationKind,
        #[serde(default)]
        pub title: Option<String>,
        #[serde(default)]
        pub member_ids: Vec<UserId>,
    }

    /// `PATCH /api/v1/conversations/{id}`
    pub struct UpdateConversationRequest {
        pub title: String,
    }

    /// `POST /api/v1/conversations/{id}/members`
    pub struct AddMemberRequest {
        pub user_id: UserId,
    }

    /// `PATCH /api/v1/conversations/{id}/members/{user_id}`
    pub struct SetRoleRequest {
        pub role: Role,
    }

    /// `GET /api/v1/conversations`: newest activity first, a page at a time.
    pub struct ConversationsResponse {
        pub conversations: Vec<Conversation>,
        /// Pass as `before` for the next page; null on the last page.
        #[serde(default)]
        pub next_before: Option<String>,
    }

    /// `POST /api/v1/conversations/{id}/messages`
    pub struct SendMessageRequest {
        #[cfg_attr(feature = "ts", ts(as = "String"))]
        pub client_id: Uuid,
        pub body: String,
        #[serde(default)]
        pub reply_to: Option<MessageId>,
        #[serde(default)]
        pub attachment_ids: Vec<AttachmentId>,
    }

    /// `PATCH /api/v1/conversations/{id}/messages/{message_id}`
    pub struct EditMessageRequest {
        pub body: String,
    }

    /// `POST /api/v1/conversations/{id}/read`
    pub struct ReadRequest {
        pub seq: i64,
    }

    pub struct MessagesResponse {
        /// Ascending `seq`.
        pub messages: Vec<Message>,
        pub has_more: bool,
    }

    pub struct SearchResponse {
        /// Newest first.
        pub results: Vec<Message>,
    }

    /// `GET /api/v1/sync`
    pub struct SyncResponse {
        pub events: Vec<Event>,
        /// The last event's cursor, or `since` when there is nothing new.
        pub next_cursor: Cursor,
        pub has_more: bool,
    }

    /// `GET /api/v1/users?q=`
    #[derive(Default)]
    pub struct UsersQuery {
        #[serde(default)]
        pub q: Option<String>,
    }

    /// `GET /api/v1/conversations/{id}/messages`
    #[derive(Default)]
    pub struct MessagesQuery {
        #[serde(default)]
        pub before: Option<i64>,
        #[serde(default)]
        pub after: Option<i64>,
        #[serde(default)]
        pub limit: Option<i64>,
    }

    /// `GET /api/v1/conversations?limit=N&before=CURSOR`
    #[derive(Default)]
    pub struct ConversationsQuery {
        #[serde(default)]
        pub limit: Option<i64>,
        /// The previous page's `next_before` (opaque).
        #[serde(default)]
        pub before: Option<String>,
    }

    /// `GET /api/v1/search`
    pub struct SearchQuery {
        pub q: String,
        #[serde(default)]
        pub conversation_id: Option<ConversationId>,
        #[serde(default)]
        pub limit: Option<i64>,
    }

    /// `GET /api/v1/sync`
    #[derive(Default)]
    pub struct SyncQuery {
        #[serde(default)]
        pub since: Option<Cursor>,
        #[serde(default)]
        pub limit: Option<i64>,
    }

    /// `POST /api/v1/attachments?name=`
    #[derive(Default)]
    pub struct AttachmentQuery {
        #[serde(default)]
        pub name: Option<String>,
        /// Makes the upload idempotent: the same `client_id` again returns the same
        /// attachment (200) and stores nothing new.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(as = "Option<String>"))]
        pub client_id: Option<Uuid>,
    }
}
