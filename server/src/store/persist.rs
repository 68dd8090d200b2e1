//! The persistence interface: what a storage backend provides so that the rules
//! (`store/rules`) run on it unchanged.
//!
//! The rules decide (membership, roles, idempotency, limits, which events to emit and to
//! whom); a backend only stores and loads. It does so through three traits:
//! - [`Backend`] runs a closure on a read connection, or queues one as a write job that runs
//!   inside a transaction and answers only after COMMIT;
//! - [`Reader`] loads rows as domain values (complete: a message comes with its reactions and
//!   attachments, loaded without a query per row where the backend is remote);
//! - [`Tx`] changes rows inside the open transaction, and appends events.
//!
//! Every method takes `&mut self` because remote drivers need it; none keeps state between
//! jobs except what the transaction holds.
//!
//! # The event log's guarantee
//!
//! Events get positions (the sync cursor) that every backend must make **visible in position
//! order, never behind a reader's back**: once any reader can see the event at position `p`,
//! every event that will ever have a position below `p` is already visible too. So a client
//! that has read up to `p` never misses an event that commits later with a smaller position,
//! and "none missing, none repeated" holds for `/sync` and WebSocket replay. SQLite keeps it
//! with one writer that hands out positions in commit order; a backend with concurrent
//! writers must hand positions out in commit order itself (e.g. a sequencer lock held from
//! assigning them until COMMIT), or hide positions above a horizon of unfinished
//! transactions.
//!
//! Membership spans follow the log: a member added in a transaction sees events from the
//! next event that transaction appends (the `conversation.created` or `member.added` that
//! announces them); a member removed sees events through the next event appended (their own
//! `member.removed`).

use std::{
    collections::{HashMap, HashSet},
    future::Future,
};

use parley_protocol::{
    Attachment, AttachmentId, Conversation, ConversationId, ConversationKind, EventPayload,
    Message, MessageId, Role, SessionId, Settings, User, UserId,
};
use uuid::Uuid;

use super::{
    ListCursor, NewAttachment, NewUser, Page, Published, SessionAuth, SessionRow, StoreResult,
    StoredEvent, Ticket, TokenHashes, rules::messages::SendRequest,
};

/// A storage engine: where reads and write jobs run.
pub trait Backend: Send + Sync + 'static {
    /// Runs `f` on a read connection. Cancel-safe: dropping the future gives the connection
    /// back once `f` has stopped.
    fn read<T, F>(&self, f: F) -> impl Future<Output = StoreResult<T>> + Send
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Reader) -> StoreResult<T> + Send + 'static;

    /// Queues `f` as a write job and returns once it is in line; the [`Ticket`] resolves after
    /// the transaction running it has committed (or with the error that undid it). Jobs
    /// submitted one after another run in that order. A job that fails is undone alone; the
    /// others in its transaction stand.
    fn submit<T, F>(&self, f: F) -> impl Future<Output = StoreResult<Ticket<T>>> + Send
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Tx) -> StoreResult<T> + Send + 'static;

    /// Queues a message to send, like [`submit`](Self::submit); consecutive sends run
    /// together (`rules::messages::send_many`).
    fn submit_send(
        &self,
        request: SendRequest,
    ) -> impl Future<Output = StoreResult<Ticket<(Message, bool)>>> + Send;
    /// Where attachment bytes live when the database keeps them (`None`: files in the data
    /// dir).
    fn blobs(&self) -> Option<std::sync::Arc<dyn super::blobs::BlobStore>> {
        None
    }
}

/// Users and sessions, read.
pub trait UserReads {
    fn user(&mut self, id: &UserId) -> StoreResult<Option<User>>;
    /// The user and their password hash.
    fn user_by_username(&mut self, username: &str) -> StoreResult<Option<(User, String)>>;
    /// Users whose username or display name starts with `prefix`, case-insensitively, `%`
    /// and `_` being plain characters; by username.
    fn find_users(&mut self, prefix: &str, limit: i64) -> StoreResult<Vec<User>>;
    fn all_users(&mut self) -> StoreResult<Vec<User>>;
    /// Everyone who shares a conversation with `user` now (not `user`), by id.
    fn contacts(&mut self, user: &UserId) -> StoreResult<Vec<User>>;
    /// The users with these usernames (lower case), those that exist.
    fn users_by_usernames(&mut self, usernames: &[String]) -> StoreResult<Vec<User>> {
        let mut users = Vec::new();
        for name in usernames {
            if let Some((user, _)) = self.user_by_username(name)? {
                users.push(user);
            }
        }
        Ok(users)
    }
    fn password_hash(&mut self, id: &UserId) -> StoreResult<Option<String>>;
    /// The live session holding this access token (not revoked, not expired at `now`).
    fn session_by_access(
        &mut self,
        access_hash: &[u8; 32],
        now: i64,
    ) -> StoreResult<Option<SessionAuth>>;
    /// The session whose current refresh token this is, revoked or not.
    fn session_by_refresh(&mut self, refresh_hash: &[u8; 32]) -> StoreResult<Option<RefreshState>>;
    /// The session a rotated-away refresh token belonged to.
    fn spent_refresh(&mut self, refresh_hash: &[u8; 32]) -> StoreResult<Option<SessionId>>;
    /// A user's live sessions, oldest first.
    fn sessions(&mut self, user: &UserId) -> StoreResult<Vec<SessionRow>>;
    /// The owner of a live (not revoked) session.
    fn live_session_owner(&mut self, session: &SessionId) -> StoreResult<Option<UserId>>;
    /// Which of `sessions` are live (one query where the backend is remote).
    fn live_sessions(&mut self, sessions: &[SessionId]) -> StoreResult<HashSet<SessionId>> {
        let mut live = HashSet::new();
        for session in sessions {
            if self.live_session_owner(session)?.is_some() {
                live.insert(session.clone());
            }
        }
        Ok(live)
    }
    /// Sessions revoked at or after `since` (ms).
    fn revoked_since(&mut self, since: i64) -> StoreResult<Vec<SessionId>>;
}

/// What the rules need to know of a refresh token's session.
#[derive(Clone, Debug)]
pub struct RefreshState {
    pub session_id: SessionId,
    pub user_id: UserId,
    pub refresh_expires_at: i64,
    pub revoked: bool,
    pub created_at: i64,
}

/// Conversations, members and the event log, read.
pub trait ConversationReads {
    /// `user`'s role, if they are a member now.
    fn role(&mut self, conversation: &ConversationId, user: &UserId) -> StoreResult<Option<Role>>;
    fn kind(&mut self, conversation: &ConversationId) -> StoreResult<Option<ConversationKind>>;
    /// The highest `seq` handed out in the conversation (0 before its first message).
    fn last_seq(&mut self, conversation: &ConversationId) -> StoreResult<i64>;
    /// The direct conversation with this member key, if it exists.
    fn direct_conversation(&mut self, key: &str) -> StoreResult<Option<ConversationId>>;
    /// Current members, ordered by id.
    fn member_ids(&mut self, conversation: &ConversationId) -> StoreResult<Vec<UserId>>;

    /// The roles of those `(conversation, user)` pairs that are memberships now.
    fn roles(
        &mut self,
        pairs: &[(ConversationId, UserId)],
    ) -> StoreResult<HashMap<(ConversationId, UserId), Role>> {
        let mut roles = HashMap::new();
        for (conversation, user) in pairs {
            if let Some(role) = self.role(conversation, user)? {
                roles.insert((conversation.clone(), user.clone()), role);
            }
        }
        Ok(roles)
    }
    /// [`member_ids`](Self::member_ids) of each conversation.
    fn members_of(
        &mut self,
        conversations: &[ConversationId],
    ) -> StoreResult<HashMap<ConversationId, Vec<UserId>>> {
        let mut members = HashMap::new();
        for conversation in conversations {
            members.insert(conversation.clone(), self.member_ids(conversation)?);
        }
        Ok(members)
    }
    /// The current member who has been one the longest (ties: lowest id).
    fn senior_member(&mut self, conversation: &ConversationId) -> StoreResult<Option<UserId>>;
    /// The conversations as `viewer` sees them (their unread count and read marker; with no
    /// viewer, as shared in events: both 0), in the order of `ids`; missing ones are skipped.
    fn conversations(
        &mut self,
        ids: &[ConversationId],
        viewer: Option<&UserId>,
    ) -> StoreResult<Vec<Conversation>>;
    /// Up to `limit` of `user`'s conversations below `before`, newest activity first.
    fn conversation_page(
        &mut self,
        user: &UserId,
        before: Option<&ListCursor>,
        limit: i64,
    ) -> StoreResult<Vec<ListCursor>>;
    /// Up to `limit` events after position `since` that `user` may see (those of each
    /// conversation within their membership spans), in position order.
    fn events_since(
        &mut self,
        user: &UserId,
        since: i64,
        limit: i64,
    ) -> StoreResult<Vec<StoredEvent>>;
    /// Up to `limit` events after position `since`, whoever may see them, each with its
    /// recipients (the members whose span covers it), in position order: what an instance
    /// reads back to deliver events another instance committed.
    fn events_after(&mut self, since: i64, limit: i64) -> StoreResult<Vec<Published>>;
    /// The newest visible event position (0 when the log is empty).
    fn latest_event(&mut self) -> StoreResult<i64>;
    /// A cheap round trip.
    fn ping(&mut self) -> StoreResult<()>;
}

/// Messages, reactions and search, read.
pub trait MessageReads {
    fn message(
        &mut self,
        conversation: &ConversationId,
        id: &MessageId,
    ) -> StoreResult<Option<Message>>;
    fn message_by_seq(
        &mut self,
        conversation: &ConversationId,
        seq: i64,
    ) -> StoreResult<Option<Message>>;
    /// The message `sender` sent with `client_id`, in whatever conversation.
    fn message_by_client_id(
        &mut self,
        sender: &UserId,
        client_id: Uuid,
    ) -> StoreResult<Option<Message>>;
    /// Where each of these `(sender, client_id)` pairs was sent already, if it was.
    fn sent_client_ids(
        &mut self,
        keys: &[(UserId, Uuid)],
    ) -> StoreResult<HashMap<(UserId, Uuid), (ConversationId, MessageId)>> {
        let mut sent = HashMap::new();
        for (sender, client_id) in keys {
            if let Some(m) = self.message_by_client_id(sender, *client_id)? {
                sent.insert((sender.clone(), *client_id), (m.conversation_id, m.id));
            }
        }
        Ok(sent)
    }
    /// Up to `limit` messages of the page, in ascending `seq`.
    fn messages(
        &mut self,
        conversation: &ConversationId,
        page: Page,
        limit: i64,
    ) -> StoreResult<Vec<Message>>;
    /// How many distinct emoji the message carries, and whether `emoji` is one of them.
    fn reaction_room(&mut self, message: &MessageId, emoji: &str) -> StoreResult<(usize, bool)>;
    /// Non-deleted messages of `user`'s conversations (or of `conversation`, if they are in
    /// it) whose body has every term as a word prefix, newest first.
    fn search(
        &mut self,
        user: &UserId,
        terms: &[&str],
        conversation: Option<&ConversationId>,
        limit: i64,
    ) -> StoreResult<Vec<Message>>;
    /// Messages stored so far.
    fn message_count(&mut self) -> StoreResult<i64>;
}

/// Uploaded files, read.
pub trait AttachmentReads {
    /// The attachment if `uploader` uploaded it.
    fn own_attachment(
        &mut self,
        uploader: &UserId,
        id: &AttachmentId,
    ) -> StoreResult<Option<Attachment>>;
    fn attachment_by_client_id(
        &mut self,
        uploader: &UserId,
        client_id: Uuid,
    ) -> StoreResult<Option<Attachment>>;
    /// Bytes of attachments `uploader` keeps.
    fn attachment_bytes(&mut self, uploader: &UserId) -> StoreResult<u64>;
    /// The attachment if `user` uploaded it or is now a member of a conversation where a
    /// message carries it.
    fn visible_attachment(
        &mut self,
        user: &UserId,
        id: &AttachmentId,
    ) -> StoreResult<Option<Attachment>>;
    /// Whether any attachment refers to the file with this SHA-256.
    fn blob_in_use(&mut self, sha256: &str) -> StoreResult<bool>;
}

/// Everything a backend can load.
pub trait Reader: UserReads + ConversationReads + MessageReads + AttachmentReads {}

impl<T: UserReads + ConversationReads + MessageReads + AttachmentReads> Reader for T {}

/// Which of a user's sessions to revoke.
#[derive(Clone, Copy, Debug)]
pub enum Revoke<'a> {
    All,
    AllBut(&'a SessionId),
}

/// The open transaction: reads that see its changes, its clock, and the event log.
/// Unique violations in any write come back as
/// [`StoreError::Conflict`](super::StoreError::Conflict).
pub trait TxCore {
    /// Reads inside the same transaction (they see its changes).
    fn read(&mut self) -> &mut dyn Reader;
    /// The transaction's clock (ms): one value for every job in it.
    fn now(&self) -> i64;
    /// Appends events in order (one statement where the backend is remote), each published
    /// to its recipients' sockets after COMMIT. A shared event (every member in span may read
    /// it) becomes its conversation's newest activity; a personal one doesn't.
    fn append_events(&mut self, events: Vec<NewEvent>) -> StoreResult<()>;
    /// Appends an event every member in span may read, for `recipients` now.
    fn append_event(
        &mut self,
        conversation: &ConversationId,
        payload: EventPayload,
        recipients: Vec<UserId>,
    ) -> StoreResult<()> {
        self.append_events(vec![NewEvent {
            conversation: conversation.clone(),
            payload,
            recipients,
            for_user: None,
        }])
    }
    /// Appends an event only `user` may read (their own settings).
    fn append_personal_event(
        &mut self,
        conversation: &ConversationId,
        payload: EventPayload,
        user: &UserId,
    ) -> StoreResult<()> {
        self.append_events(vec![NewEvent {
            conversation: conversation.clone(),
            payload,
            recipients: vec![user.clone()],
            for_user: Some(user.clone()),
        }])
    }
}

/// An event to append: see [`TxCore::append_events`].
pub struct NewEvent {
    pub conversation: ConversationId,
    pub payload: EventPayload,
    pub recipients: Vec<UserId>,
    /// Only this member may read it (`None`: every member in span).
    pub for_user: Option<UserId>,
}

/// Users and sessions, changed.
pub trait UserWrites {
    fn insert_user(&mut self, id: &UserId, user: &NewUser) -> StoreResult<()>;
    /// False when there is no such user.
    fn set_display_name(&mut self, id: &UserId, name: &str) -> StoreResult<bool>;
    fn set_password_hash(&mut self, id: &UserId, hash: &str) -> StoreResult<bool>;
    /// Whether others may see when the user is online, and when they last were (ms).
    fn set_presence(
        &mut self,
        id: &UserId,
        show: bool,
        last_seen_at: Option<i64>,
    ) -> StoreResult<bool>;
    fn insert_session(
        &mut self,
        id: &SessionId,
        user: &UserId,
        device_name: Option<&str>,
        tokens: &TokenHashes,
    ) -> StoreResult<()>;
    /// Remembers a rotated-away refresh token, so that its reuse is noticed.
    fn spend_refresh(&mut self, refresh_hash: &[u8; 32], session: &SessionId) -> StoreResult<()>;
    /// Gives the session new tokens and marks it seen now.
    fn rotate_tokens(&mut self, session: &SessionId, tokens: &TokenHashes) -> StoreResult<()>;
    /// Revokes one session if it is live; whether it was.
    fn revoke_session(&mut self, session: &SessionId) -> StoreResult<bool>;
    /// Revokes a user's live sessions; returns their ids.
    fn revoke_sessions(&mut self, user: &UserId, which: Revoke<'_>) -> StoreResult<Vec<SessionId>>;
    fn touch_session(&mut self, session: &SessionId, at: i64) -> StoreResult<()>;
}

/// Conversations and members, changed.
pub trait ConversationWrites {
    fn insert_conversation(
        &mut self,
        id: &ConversationId,
        kind: ConversationKind,
        title: Option<&str>,
        direct_key: Option<&str>,
    ) -> StoreResult<()>;
    fn set_title(&mut self, id: &ConversationId, title: &str) -> StoreResult<()>;
    /// Makes `user` a member, seeing events from the next one this transaction appends.
    fn insert_member(
        &mut self,
        conversation: &ConversationId,
        user: &UserId,
        role: Role,
    ) -> StoreResult<()>;
    /// Ends `user`'s membership, seeing events through the next one this transaction appends.
    fn delete_member(&mut self, conversation: &ConversationId, user: &UserId) -> StoreResult<()>;
    fn set_role(
        &mut self,
        conversation: &ConversationId,
        user: &UserId,
        role: Role,
    ) -> StoreResult<()>;
    /// `user`'s own notification settings for the conversation.
    fn set_settings(
        &mut self,
        conversation: &ConversationId,
        user: &UserId,
        settings: &Settings,
    ) -> StoreResult<()>;
    /// Moves `user`'s read marker up to `seq`, never back; whether it moved.
    fn advance_read_marker(
        &mut self,
        conversation: &ConversationId,
        user: &UserId,
        seq: i64,
    ) -> StoreResult<bool>;
}

/// Messages and reactions, changed.
pub trait MessageWrites {
    /// The conversation's next `seq` (its counter is bumped inside the transaction, so it is
    /// gap-free whatever commits or rolls back).
    fn next_seq(&mut self, conversation: &ConversationId) -> StoreResult<i64>;
    /// Takes `count` consecutive `seq`s in each conversation at once; returns the first of
    /// each run.
    fn reserve_seqs(
        &mut self,
        counts: &[(ConversationId, i64)],
    ) -> StoreResult<HashMap<ConversationId, i64>> {
        let mut first = HashMap::new();
        for (conversation, count) in counts {
            for i in 0..*count {
                let seq = self.next_seq(conversation)?;
                if i == 0 {
                    first.insert(conversation.clone(), seq);
                }
            }
        }
        Ok(first)
    }
    /// Stores a new message with its attachments, in their order.
    fn insert_message(&mut self, message: &Message) -> StoreResult<()>;
    /// Stores several new messages (one statement where the backend is remote).
    fn insert_messages(&mut self, messages: &[Message]) -> StoreResult<()> {
        for m in messages {
            self.insert_message(m)?;
        }
        Ok(())
    }
    /// Replaces the body and whom it mentions, and sets `edited_at` to now.
    fn set_body(&mut self, id: &MessageId, body: &str, mentions: &[UserId]) -> StoreResult<()>;
    /// Empties the body, drops reactions and attachment links, marks it deleted.
    fn tombstone(&mut self, id: &MessageId) -> StoreResult<()>;
    /// Adds or removes `user`'s `emoji` on the message; whether anything changed.
    fn set_reaction(
        &mut self,
        message: &MessageId,
        emoji: &str,
        user: &UserId,
        present: bool,
    ) -> StoreResult<bool>;
}

/// Uploaded files, changed.
pub trait AttachmentWrites {
    fn insert_attachment(&mut self, attachment: &NewAttachment) -> StoreResult<()>;
    /// Forgets uploads created before `before` that no message carries; returns their
    /// files' SHA-256 (repeats possible).
    fn delete_unattached(&mut self, before: i64) -> StoreResult<Vec<String>>;
}

/// Everything a write job can do.
pub trait Tx: TxCore + UserWrites + ConversationWrites + MessageWrites + AttachmentWrites {}

impl<T: TxCore + UserWrites + ConversationWrites + MessageWrites + AttachmentWrites> Tx for T {}
