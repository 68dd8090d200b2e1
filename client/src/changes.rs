//! The account's own changes work offline like sends: to a conversation (its read marker,
//! its personal settings: notifications, mute, "Mark as unread") and to messages (edits,
//! deletions, reactions). The cache changes at once and the change is queued durably
//! (`pending_changes`, `pending_message_changes`), then the outbox task sends it when the
//! server answers. Failures follow [`plan::after_send_failure`] like messages do: recoverable
//! ones back off, a refusal drops the change and takes the server's view back.

use chrono::Utc;
use parley_protocol::{ConversationId, MessageId, Settings};

use crate::{
    api::ApiError,
    cache::{AppliedSummary, ChangeKind, MessageChangeKind, PendingChange, PendingMessageChange},
    engine::{Engine, EngineEvent},
    error::ClientResult,
    plan,
};

impl Engine {
    /// Applies `change` to the cache, tells the UI, and queues it for the server.
    async fn queue_change(
        &self,
        conversation: &ConversationId,
        change: ChangeKind,
    ) -> ClientResult<()> {
        let id = conversation.clone();
        let summary = self
            .with_cache_async(move |c| c.change_queue(&id, change))
            .await?;
        if !summary.is_empty() {
            self.emit(vec![EngineEvent::Applied { summary }]);
        }
        self.wake_outbox();
        Ok(())
    }

    /// Moves the read marker forward to `seq` (never back), here at once and on the server
    /// when it answers. Reading also clears "Mark as unread".
    pub async fn mark_read(&self, conversation: &ConversationId, seq: i64) -> ClientResult<()> {
        self.queue_change(conversation, ChangeKind::Read(seq))
            .await?;
        let settings = self.settings_of(conversation).await?;
        if settings.marked_unread {
            let settings = Settings {
                marked_unread: false,
                ..settings
            };
            self.queue_change(conversation, ChangeKind::Settings(settings))
                .await?;
        }
        Ok(())
    }

    /// The account's own settings for a conversation (its other devices hear of them through
    /// `settings.updated`).
    pub async fn set_conversation_settings(
        &self,
        conversation: &ConversationId,
        settings: &Settings,
    ) -> ClientResult<()> {
        self.queue_change(conversation, ChangeKind::Settings(settings.clone()))
            .await
    }

    /// How the conversation notifies and until when it is muted, keeping "Mark as unread".
    pub async fn set_notifications(
        &self,
        conversation: &ConversationId,
        notify: parley_protocol::Notify,
        muted_until: Option<chrono::DateTime<Utc>>,
    ) -> ClientResult<()> {
        let settings = Settings {
            notify,
            muted_until,
            ..self.settings_of(conversation).await?
        };
        self.set_conversation_settings(conversation, &settings)
            .await
    }

    /// "Mark as unread" (or clear it), keeping the other settings.
    pub async fn mark_unread(&self, conversation: &ConversationId, on: bool) -> ClientResult<()> {
        let settings = Settings {
            marked_unread: on,
            ..self.settings_of(conversation).await?
        };
        self.set_conversation_settings(conversation, &settings)
            .await
    }

    /// Edits one of the account's messages: shown at once, sent when the server answers.
    pub async fn edit_message(
        &self,
        conversation: &ConversationId,
        message: &MessageId,
        body: &str,
    ) -> ClientResult<()> {
        let body = body.to_owned();
        self.queue_message_change(conversation, message, MessageChangeKind::Edit { body })
            .await
    }

    /// Deletes a message for everyone: shown as deleted at once, sent when the server answers.
    pub async fn delete_message(
        &self,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> ClientResult<()> {
        self.queue_message_change(conversation, message, MessageChangeKind::Delete)
            .await
    }

    /// Adds (`on`) or takes back the account's reaction `emoji`: shown at once, sent when the
    /// server answers.
    pub async fn react(
        &self,
        conversation: &ConversationId,
        message: &MessageId,
        emoji: &str,
        on: bool,
    ) -> ClientResult<()> {
        let emoji = emoji.to_owned();
        self.queue_message_change(
            conversation,
            message,
            MessageChangeKind::React { emoji, on },
        )
        .await
    }

    async fn queue_message_change(
        &self,
        conversation: &ConversationId,
        message: &MessageId,
        change: MessageChangeKind,
    ) -> ClientResult<()> {
        let (conv, id) = (conversation.clone(), message.clone());
        let summary = self
            .with_cache_async(move |c| c.message_change_queue(&conv, &id, change))
            .await?;
        self.emit(vec![EngineEvent::Applied { summary }]);
        self.wake_outbox();
        Ok(())
    }

    async fn settings_of(&self, conversation: &ConversationId) -> ClientResult<Settings> {
        let id = conversation.clone();
        let cached = self
            .with_cache_async(move |c| c.conversation(&id))
            .await?
            .ok_or_else(|| crate::cache::CacheError::UnknownConversation(conversation.clone()))?;
        let c = cached.conversation;
        Ok(Settings {
            notify: c.notify,
            muted_until: c.muted_until,
            marked_unread: c.marked_unread,
        })
    }

    /// Sends the queued changes that are due (all of them with `now_anyway`, e.g. when the
    /// connection is back). Only a lost session comes back as an error.
    pub async fn send_changes(&self, now_anyway: bool) -> ClientResult<()> {
        let due = if now_anyway {
            chrono::DateTime::<Utc>::MAX_UTC
        } else {
            Utc::now()
        };
        let changes = self.with_cache_async(move |c| c.changes_due(due)).await?;
        for change in changes {
            let Err(e) = self.send_change(&change).await else {
                let done = change.clone();
                self.with_cache_async(move |c| c.change_done(&done)).await?;
                continue;
            };
            match after_failure(change.attempts, &e) {
                plan::SendStep::SignedOut => return Err(e.into()),
                plan::SendStep::RetryAt(at) => {
                    self.with_cache_async(move |c| c.change_retry_at(&change, at))
                        .await?;
                }
                plan::SendStep::Fail(reason) => {
                    // Refused for good (left the conversation, say): drop it and take the
                    // server's view back, so this device doesn't show what isn't so.
                    tracing::warn!(conversation = %change.conversation_id, %reason, "a queued change was refused");
                    let id = change.conversation_id.clone();
                    self.with_cache_async(move |c| c.change_done(&change))
                        .await?;
                    self.take_back(id, AppliedSummary::default()).await?;
                }
            }
        }
        self.send_message_changes(due).await
    }

    /// Sends the message changes due by `due`, in the order they were made.
    async fn send_message_changes(&self, due: chrono::DateTime<Utc>) -> ClientResult<()> {
        let changes = self
            .with_cache_async(move |c| c.message_changes_due(due))
            .await?;
        for change in changes {
            let answer = match self.send_message_change(&change).await {
                Ok(answer) => answer,
                Err(e) => {
                    self.message_change_failed(change, &e).await?;
                    continue;
                }
            };
            let summary = self
                .with_cache_async(move |c| c.message_change_done(&change, answer.as_ref()))
                .await?;
            self.emit(vec![EngineEvent::Applied { summary }]);
        }
        Ok(())
    }

    /// Backs off, or (refused for good: not the sender, the message gone, too many reactions)
    /// drops the change and takes the server's copy of the message and the conversation back.
    async fn message_change_failed(
        &self,
        change: PendingMessageChange,
        e: &ApiError,
    ) -> ClientResult<()> {
        let reason = match after_failure(change.attempts, e) {
            plan::SendStep::SignedOut => return Err(e.clone().into()),
            plan::SendStep::RetryAt(at) => {
                return self
                    .with_cache_async(move |c| c.message_change_retry_at(&change, at))
                    .await;
            }
            plan::SendStep::Fail(reason) => reason,
        };
        tracing::warn!(message = %change.message_id, %reason, "a queued message change was refused");
        let fresh = self.fetch_message(&change).await;
        let id = change.conversation_id.clone();
        let summary = self
            .with_cache_async(move |c| c.message_change_refused(&change, fresh.as_ref()))
            .await?;
        self.take_back(id, summary).await
    }

    /// The server's copy of the message `change` is about, if it answers.
    async fn fetch_message(
        &self,
        change: &PendingMessageChange,
    ) -> Option<parley_protocol::Message> {
        let id = change.message_id.clone();
        let seq = self
            .with_cache_async(move |c| c.message(&id))
            .await
            .ok()??
            .seq;
        let page = self
            .api()
            .await
            .ok()?
            .messages(&change.conversation_id, Some(seq - 1), None, 1)
            .await
            .ok()?;
        page.messages
            .into_iter()
            .find(|m| m.id == change.message_id)
    }

    /// After a refusal: takes the server's view of conversation `id` back (its unread count,
    /// its settings), then tells the UI what changed.
    async fn take_back(&self, id: ConversationId, mut summary: AppliedSummary) -> ClientResult<()> {
        if let Ok(api) = self.api().await
            && let Ok(fresh) = api.conversation(&id).await
        {
            self.with_cache_async(move |c| c.upsert_conversation(&fresh))
                .await?;
            summary.conversations.insert(id);
        }
        if !summary.is_empty() {
            self.emit(vec![EngineEvent::Applied { summary }]);
        }
        Ok(())
    }

    /// Sends one message change; an edit's answer is the server's copy of the message.
    async fn send_message_change(
        &self,
        change: &PendingMessageChange,
    ) -> Result<Option<parley_protocol::Message>, ApiError> {
        let api = self.api_for_sending().await?;
        let (conv, id) = (&change.conversation_id, &change.message_id);
        match &change.change {
            MessageChangeKind::Edit { body } => api.edit_message(conv, id, body).await.map(Some),
            MessageChangeKind::Delete => api.delete_message(conv, id).await.map(|()| None),
            MessageChangeKind::React { emoji, on } => {
                api.react(conv, id, emoji, *on).await.map(|()| None)
            }
        }
    }

    /// The API client, with a failure to get one (a locked keyring, a lost session) read as
    /// the send failure it amounts to.
    async fn api_for_sending(&self) -> Result<std::sync::Arc<crate::api::Api>, ApiError> {
        self.api().await.map_err(|e| match e {
            crate::ClientError::Api(api) => api,
            e if e.is_signed_out() => ApiError::SignedOut(e.to_string()),
            e => ApiError::Network(format!("on this device: {e}")),
        })
    }

    async fn send_change(&self, change: &PendingChange) -> Result<(), ApiError> {
        let api = self.api_for_sending().await?;
        match &change.change {
            ChangeKind::Read(seq) => api.mark_read(&change.conversation_id, *seq).await,
            ChangeKind::Settings(settings) => api
                .set_conversation_settings(&change.conversation_id, settings)
                .await
                .map(|_| ()),
        }
    }
}

/// What follows a queued change's failed attempt (its `attempts` so far), decided like a
/// message's by [`plan::after_send_failure`].
fn after_failure(attempts: i64, e: &ApiError) -> plan::SendStep {
    plan::after_send_failure(
        u32::try_from(attempts).unwrap_or(u32::MAX),
        &plan::SendFailure::Api(e),
        Utc::now(),
        rand::random::<f64>(),
    )
}
