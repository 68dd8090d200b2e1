//! The store's rules, written once over the persistence interface ([`super::persist`]):
//! [`Rules`] turns any [`Backend`] into the [`Store`] the routes use.
//!
//! Each method is one read or one write job. Rules take the acting user's id (from the
//! verified token, never from a request body) and check membership and roles inside the same
//! transaction as the change.

mod attachments;
mod conversations;
pub(super) mod messages;
mod users;

use async_trait::async_trait;
use parley_protocol::{
    Attachment, AttachmentId, Conversation, ConversationId, ConversationKind, Message, MessageId,
    Role, SessionId, Settings, User, UserId, limits::SYNC_PAGE_MAX_BYTES,
};
use uuid::Uuid;

use super::{
    ListCursor, NewAttachment, NewMessage, NewUser, Page, Published, Refreshed, SessionAuth,
    SessionRow, Store, StoreResult, StoredEvent, Ticket, TokenHashes,
    persist::{Backend, Revoke},
};

/// A [`Store`] over the backend `B`.
pub struct Rules<B> {
    backend: B,
}

impl<B: Backend> Rules<B> {
    pub fn new(backend: B) -> Self {
        Self { backend }
    }

    /// Runs a write job and waits for its commit.
    async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn super::persist::Tx) -> StoreResult<T> + Send + 'static,
    {
        self.backend.submit(f).await?.await
    }
}

/// At most `limit` events and (past the first) at most [`SYNC_PAGE_MAX_BYTES`] of them, so a
/// page never grows past what a client or a WebSocket frame limit takes; and whether more
/// follow. `events` holds up to `limit + 1`.
fn bounded_page(events: Vec<StoredEvent>, limit: i64) -> (Vec<StoredEvent>, bool) {
    let mut page = Vec::with_capacity(events.len().min(limit.max(0) as usize));
    let mut bytes = 0;
    for event in events {
        bytes += event.json.len();
        if page.len() as i64 == limit || (!page.is_empty() && bytes > SYNC_PAGE_MAX_BYTES) {
            return (page, true);
        }
        page.push(event);
    }
    (page, false)
}

#[async_trait]
impl<B: Backend> Store for Rules<B> {
    async fn ping(&self) -> StoreResult<()> {
        self.backend.read(|r| r.ping()).await
    }

    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        self.write(move |tx| users::create(tx, &user)).await
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<(User, String)>> {
        let username = username.to_owned();
        self.backend
            .read(move |r| r.user_by_username(&username))
            .await
    }

    async fn user(&self, id: &UserId) -> StoreResult<User> {
        let id = id.clone();
        self.backend
            .read(move |r| r.user(&id)?.ok_or(super::StoreError::NotFound))
            .await
    }

    async fn find_users(&self, prefix: &str, limit: i64) -> StoreResult<Vec<User>> {
        let prefix = prefix.to_owned();
        self.backend
            .read(move |r| r.find_users(&prefix, limit))
            .await
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        self.backend.read(|r| r.all_users()).await
    }

    async fn set_display_name(&self, id: &UserId, display_name: String) -> StoreResult<User> {
        let id = id.clone();
        self.write(move |tx| users::set_display_name(tx, &id, &display_name))
            .await
    }

    async fn set_show_presence(&self, id: &UserId, show: bool) -> StoreResult<User> {
        let id = id.clone();
        self.write(move |tx| users::set_show_presence(tx, &id, show))
            .await
    }

    async fn seen(&self, id: &UserId, at: i64) -> StoreResult<User> {
        let id = id.clone();
        self.write(move |tx| users::seen(tx, &id, at)).await
    }

    async fn contacts(&self, user: &UserId) -> StoreResult<Vec<User>> {
        let user = user.clone();
        self.backend.read(move |r| r.contacts(&user)).await
    }

    async fn set_password_hash(&self, id: &UserId, hash: String) -> StoreResult<()> {
        let id = id.clone();
        self.write(move |tx| users::set_password_hash(tx, &id, &hash))
            .await
    }

    async fn password_hash(&self, id: &UserId) -> StoreResult<String> {
        let id = id.clone();
        self.backend
            .read(move |r| r.password_hash(&id)?.ok_or(super::StoreError::NotFound))
            .await
    }

    async fn create_session(
        &self,
        user: &UserId,
        device_name: Option<String>,
        tokens: TokenHashes,
    ) -> StoreResult<SessionId> {
        let user = user.clone();
        self.write(move |tx| users::create_session(tx, &user, device_name.as_deref(), &tokens))
            .await
    }

    async fn session_by_access(
        &self,
        access_hash: [u8; 32],
        now: i64,
    ) -> StoreResult<Option<SessionAuth>> {
        self.backend
            .read(move |r| r.session_by_access(&access_hash, now))
            .await
    }

    async fn refresh_session(
        &self,
        refresh_hash: [u8; 32],
        new: TokenHashes,
        now: i64,
        oldest: i64,
    ) -> StoreResult<Refreshed> {
        self.write(move |tx| users::refresh(tx, &refresh_hash, &new, now, oldest))
            .await
    }

    async fn list_sessions(&self, user: &UserId) -> StoreResult<Vec<SessionRow>> {
        let user = user.clone();
        self.backend.read(move |r| r.sessions(&user)).await
    }

    async fn revoke_session(&self, user: &UserId, session: &SessionId) -> StoreResult<()> {
        let (user, session) = (user.clone(), session.clone());
        self.write(move |tx| users::revoke(tx, &user, &session))
            .await
    }

    async fn revoke_all_sessions(&self, user: &UserId) -> StoreResult<Vec<SessionId>> {
        let user = user.clone();
        self.write(move |tx| users::revoke_all(tx, &user, Revoke::All))
            .await
    }

    async fn revoke_other_sessions(
        &self,
        user: &UserId,
        keep: &SessionId,
    ) -> StoreResult<Vec<SessionId>> {
        let (user, keep) = (user.clone(), keep.clone());
        self.write(move |tx| users::revoke_all(tx, &user, Revoke::AllBut(&keep)))
            .await
    }

    async fn revoked_since(&self, since: i64) -> StoreResult<Vec<SessionId>> {
        self.backend.read(move |r| r.revoked_since(since)).await
    }

    async fn touch_session(&self, session: &SessionId, now: i64) -> StoreResult<()> {
        let session = session.clone();
        self.write(move |tx| tx.touch_session(&session, now)).await
    }

    async fn create_conversation(
        &self,
        actor: &UserId,
        kind: ConversationKind,
        title: Option<String>,
        member_ids: Vec<UserId>,
    ) -> StoreResult<(Conversation, bool)> {
        let actor = actor.clone();
        self.write(move |tx| conversations::create(tx, &actor, kind, title, member_ids))
            .await
    }

    async fn conversations(
        &self,
        actor: &UserId,
        before: Option<ListCursor>,
        limit: i64,
    ) -> StoreResult<(Vec<Conversation>, Option<ListCursor>)> {
        let actor = actor.clone();
        self.backend
            .read(move |r| {
                let mut rows = r.conversation_page(&actor, before.as_ref(), limit + 1)?;
                let more = rows.len() as i64 > limit;
                rows.truncate(limit.max(0) as usize);
                let next = if more { rows.last().cloned() } else { None };
                let ids: Vec<ConversationId> = rows.into_iter().map(|row| row.id).collect();
                Ok((r.conversations(&ids, Some(&actor))?, next))
            })
            .await
    }

    async fn conversation(&self, actor: &UserId, id: &ConversationId) -> StoreResult<Conversation> {
        let (actor, id) = (actor.clone(), id.clone());
        self.backend
            .read(move |r| conversations::visible(r, &id, &actor))
            .await
    }

    async fn set_title(
        &self,
        actor: &UserId,
        id: &ConversationId,
        title: String,
    ) -> StoreResult<Conversation> {
        let (actor, id) = (actor.clone(), id.clone());
        self.write(move |tx| conversations::set_title(tx, &actor, &id, &title))
            .await
    }

    async fn add_member(
        &self,
        actor: &UserId,
        id: &ConversationId,
        user: &UserId,
    ) -> StoreResult<Conversation> {
        let (actor, id, user) = (actor.clone(), id.clone(), user.clone());
        self.write(move |tx| conversations::add_member(tx, &actor, &id, &user))
            .await
    }

    async fn remove_member(
        &self,
        actor: &UserId,
        id: &ConversationId,
        user: &UserId,
    ) -> StoreResult<()> {
        let (actor, id, user) = (actor.clone(), id.clone(), user.clone());
        self.write(move |tx| conversations::remove_member(tx, &actor, &id, &user))
            .await
    }

    async fn set_settings(
        &self,
        actor: &UserId,
        id: &ConversationId,
        settings: Settings,
    ) -> StoreResult<Conversation> {
        let (actor, id) = (actor.clone(), id.clone());
        self.write(move |tx| conversations::set_settings(tx, &actor, &id, settings))
            .await
    }

    async fn set_role(
        &self,
        actor: &UserId,
        id: &ConversationId,
        user: &UserId,
        role: Role,
    ) -> StoreResult<Conversation> {
        let (actor, id, user) = (actor.clone(), id.clone(), user.clone());
        self.write(move |tx| conversations::set_role(tx, &actor, &id, &user, role))
            .await
    }

    async fn member_ids(&self, actor: &UserId, id: &ConversationId) -> StoreResult<Vec<UserId>> {
        let (actor, id) = (actor.clone(), id.clone());
        self.backend
            .read(move |r| conversations::member_ids(r, &id, &actor))
            .await
    }

    async fn send_message(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        message: NewMessage,
    ) -> StoreResult<(Message, bool)> {
        // A retried send is answered by a reader, without queueing a write.
        let (a, c, client_id) = (actor.clone(), conversation.clone(), message.client_id);
        if let Some(existing) = self
            .backend
            .read(move |r| messages::already_sent(r, &a, &c, client_id))
            .await?
        {
            return Ok((existing, false));
        }
        self.submit_message(actor, conversation, message)
            .await?
            .await
    }

    async fn submit_message(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        message: NewMessage,
    ) -> StoreResult<Ticket<(Message, bool)>> {
        self.backend
            .submit_send(messages::SendRequest {
                actor: actor.clone(),
                conversation: conversation.clone(),
                new: message,
            })
            .await
    }

    async fn messages(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        page: Page,
        limit: i64,
    ) -> StoreResult<(Vec<Message>, bool)> {
        let (actor, conversation) = (actor.clone(), conversation.clone());
        self.backend
            .read(move |r| messages::page(r, &actor, &conversation, page, limit))
            .await
    }

    async fn edit_message(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        message: &MessageId,
        body: String,
    ) -> StoreResult<Message> {
        let (actor, conversation, message) = (actor.clone(), conversation.clone(), message.clone());
        self.write(move |tx| messages::edit(tx, &actor, &conversation, &message, &body))
            .await
    }

    async fn delete_message(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> StoreResult<()> {
        let (actor, conversation, message) = (actor.clone(), conversation.clone(), message.clone());
        self.write(move |tx| messages::delete(tx, &actor, &conversation, &message))
            .await
    }

    async fn set_reaction(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        message: &MessageId,
        emoji: String,
        present: bool,
    ) -> StoreResult<()> {
        let (actor, conversation, message) = (actor.clone(), conversation.clone(), message.clone());
        self.write(move |tx| {
            messages::set_reaction(tx, &actor, &conversation, &message, &emoji, present)
        })
        .await
    }

    async fn mark_read(
        &self,
        actor: &UserId,
        conversation: &ConversationId,
        seq: i64,
    ) -> StoreResult<()> {
        let (actor, conversation) = (actor.clone(), conversation.clone());
        self.write(move |tx| conversations::mark_read(tx, &actor, &conversation, seq))
            .await
    }

    async fn search(
        &self,
        actor: &UserId,
        query: &str,
        conversation: Option<&ConversationId>,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        let (actor, query, conversation) = (actor.clone(), query.to_owned(), conversation.cloned());
        self.backend
            .read(move |r| messages::search(r, &actor, &query, conversation.as_ref(), limit))
            .await
    }

    async fn insert_attachment(
        &self,
        attachment: NewAttachment,
        quota: u64,
    ) -> StoreResult<(Attachment, bool)> {
        self.write(move |tx| attachments::insert(tx, &attachment, quota))
            .await
    }

    async fn attachment_by_client_id(
        &self,
        uploader: &UserId,
        client_id: Uuid,
    ) -> StoreResult<Option<Attachment>> {
        let uploader = uploader.clone();
        self.backend
            .read(move |r| r.attachment_by_client_id(&uploader, client_id))
            .await
    }

    async fn attachment_bytes(&self, uploader: &UserId) -> StoreResult<u64> {
        let uploader = uploader.clone();
        self.backend
            .read(move |r| r.attachment_bytes(&uploader))
            .await
    }

    async fn sweep_unattached(&self, before: i64) -> StoreResult<Vec<String>> {
        self.write(move |tx| attachments::sweep(tx, before)).await
    }

    async fn blob_in_use(&self, sha256: &str) -> StoreResult<bool> {
        let sha256 = sha256.to_owned();
        self.backend.read(move |r| r.blob_in_use(&sha256)).await
    }

    async fn attachment(&self, actor: &UserId, id: &AttachmentId) -> StoreResult<Attachment> {
        let (actor, id) = (actor.clone(), id.clone());
        self.backend
            .read(move |r| {
                r.visible_attachment(&actor, &id)?
                    .ok_or(super::StoreError::NotFound)
            })
            .await
    }

    async fn events_since(
        &self,
        user: &UserId,
        since: i64,
        limit: i64,
    ) -> StoreResult<(Vec<StoredEvent>, bool)> {
        let user = user.clone();
        self.backend
            .read(move |r| {
                Ok(bounded_page(
                    r.events_since(&user, since, limit + 1)?,
                    limit,
                ))
            })
            .await
    }

    async fn events_after(&self, since: i64, limit: i64) -> StoreResult<Vec<Published>> {
        self.backend
            .read(move |r| r.events_after(since, limit))
            .await
    }

    async fn latest_event_id(&self) -> StoreResult<i64> {
        self.backend.read(|r| r.latest_event()).await
    }

    async fn message_count(&self) -> StoreResult<i64> {
        self.backend.read(|r| r.message_count()).await
    }

    fn blobs(&self) -> Option<std::sync::Arc<dyn super::blobs::BlobStore>> {
        self.backend.blobs()
    }
}
