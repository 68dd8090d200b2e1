//! The resources of the API: users, sessions, conversations, messages.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{AttachmentId, ConversationId, MessageId, SecretString, SessionId, UserId};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct User {
    pub id: UserId,
    /// Lower case, 3–32 of `a-z 0-9 _ . -`.
    pub username: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
    /// When they were last online; null while unknown, and always for someone who hides it.
    #[serde(default)]
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Whether others may see when they are online (`PATCH /api/v1/me`).
    #[serde(default = "shown")]
    pub show_presence: bool,
}

fn shown() -> bool {
    true
}

/// The tokens of one signed-in device. `expires_in` is the access token's lifetime in seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Session {
    pub session_id: SessionId,
    pub access_token: SecretString,
    pub refresh_token: SecretString,
    pub expires_in: u64,
}

/// A session as listed by `GET /api/v1/sessions`: no tokens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionInfo {
    pub session_id: SessionId,
    pub device_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// True for the session that made the request.
    pub current: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ConversationKind {
    Direct,
    Group,
}

impl ConversationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Group => "group",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Role {
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Member {
    pub user_id: UserId,
    pub role: Role,
    /// How far this member has read (their read marker), for "Seen"; `read.updated` moves it.
    #[serde(default)]
    pub last_read_seq: i64,
}

/// When a conversation may notify its member (their own setting).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Notify {
    #[default]
    All,
    Mentions,
    None,
}

impl Notify {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Mentions => "mentions",
            Self::None => "none",
        }
    }

    /// The stored spelling back; anything unknown is the default.
    pub fn parse(s: &str) -> Self {
        match s {
            "mentions" => Self::Mentions,
            "none" => Self::None,
            _ => Self::All,
        }
    }
}

/// A member's own notification settings for one conversation (`settings.updated` data, and
/// `PUT /api/v1/conversations/{id}/settings`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Settings {
    #[serde(default)]
    pub notify: Notify,
    /// Muted (no notifications, not counted in unread totals) until then; null: not muted.
    #[serde(default)]
    pub muted_until: Option<DateTime<Utc>>,
    /// "Mark as unread": shown as unread until the member opens it again (their read marker
    /// stays where it is; it never moves back). Written only when set, so the contract's
    /// `{notify, muted_until}` stays exactly that otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub marked_unread: bool,
}

/// A conversation as one member sees it: `unread_count`, `last_read_seq`, `mention_count`,
/// `notify`, `muted_until` and `marked_unread` are the caller's own. In `conversation.*` events (shared by
/// every member) they are the defaults (0, `all`, null).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Conversation {
    pub id: ConversationId,
    pub kind: ConversationKind,
    /// Null for direct conversations.
    pub title: Option<String>,
    pub members: Vec<Member>,
    pub created_at: DateTime<Utc>,
    pub last_message: Option<Box<Message>>,
    pub unread_count: i64,
    pub last_read_seq: i64,
    /// Unread, non-deleted messages of others that mention the caller.
    #[serde(default)]
    pub mention_count: i64,
    #[serde(default)]
    pub notify: Notify,
    #[serde(default)]
    pub muted_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub marked_unread: bool,
}

impl Conversation {
    /// Muted at `now` (`muted_until` ahead of it).
    pub fn is_muted_at(&self, now: DateTime<Utc>) -> bool {
        self.muted_until.is_some_and(|until| until > now)
    }

    /// Whether `message` should notify `me`, by their own settings: `none` never, `mentions`
    /// when it names them, `all` always unless muted — and a mention still notifies a muted
    /// conversation unless it is set to `none`.
    pub fn notifies(&self, message: &Message, me: &UserId, now: DateTime<Utc>) -> bool {
        let mentioned = message.mentions.contains(me);
        match self.notify {
            Notify::None => false,
            Notify::Mentions => mentioned,
            Notify::All => mentioned || !self.is_muted_at(now),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Reaction {
    pub emoji: String,
    pub count: i64,
    pub user_ids: Vec<UserId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Attachment {
    pub id: AttachmentId,
    pub size: i64,
    pub content_type: String,
    /// Hex-encoded SHA-256 of the content.
    pub sha256: String,
    pub name: String,
}

/// One message. A deleted message keeps `id` and `seq`, has `deleted: true`, an empty
/// `body`, and no reactions or attachments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub sender_id: UserId,
    #[cfg_attr(feature = "ts", ts(as = "String"))]
    pub client_id: Uuid,
    /// 1, 2, 3, … per conversation, without gaps.
    pub seq: i64,
    pub body: String,
    pub reply_to: Option<MessageId>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted: bool,
    pub reactions: Vec<Reaction>,
    pub attachments: Vec<Attachment>,
    /// The members its body names as `@username` (see [`crate::mentions`]).
    #[serde(default)]
    pub mentions: Vec<UserId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation(notify: Notify, muted_until: Option<DateTime<Utc>>) -> Conversation {
        Conversation {
            id: ConversationId::new("c".to_owned()),
            kind: ConversationKind::Group,
            title: Some("g".to_owned()),
            members: Vec::new(),
            created_at: Utc::now(),
            last_message: None,
            unread_count: 0,
            last_read_seq: 0,
            mention_count: 0,
            notify,
            muted_until,
            marked_unread: false,
        }
    }

    fn message(mentions: &[&str]) -> Message {
        Message {
            id: MessageId::new("m".to_owned()),
            conversation_id: ConversationId::new("c".to_owned()),
            sender_id: UserId::new("other".to_owned()),
            client_id: Uuid::nil(),
            seq: 1,
            body: String::new(),
            reply_to: None,
            created_at: Utc::now(),
            edited_at: None,
            deleted: false,
            reactions: Vec::new(),
            attachments: Vec::new(),
            mentions: mentions
                .iter()
                .map(|m| UserId::new((*m).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn settings_decide_what_notifies() {
        let me = UserId::new("me".to_owned());
        let now = Utc::now();
        let later = Some(now + chrono::Duration::hours(1));
        let earlier = Some(now - chrono::Duration::hours(1));
        let (plain, naming_me) = (message(&[]), message(&["me"]));
        let cases = [
            (Notify::All, None, true, true),
            (Notify::All, earlier, true, true),
            (Notify::All, later, false, true),
            (Notify::Mentions, None, false, true),
            (Notify::Mentions, later, false, true),
            (Notify::None, None, false, false),
            (Notify::None, later, false, false),
        ];
        for (notify, muted_until, plain_notifies, mention_notifies) in cases {
            let c = conversation(notify, muted_until);
            assert_eq!(
                c.notifies(&plain, &me, now),
                plain_notifies,
                "{notify:?} {muted_until:?}"
            );
            assert_eq!(
                c.notifies(&naming_me, &me, now),
                mention_notifies,
                "{notify:?} {muted_until:?}"
            );
        }
    }
}
