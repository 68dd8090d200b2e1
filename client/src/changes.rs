//! The account's own changes to a conversation — its read marker, its personal settings
//! (notifications, mute, "Mark as unread") — work offline like sends: the cache changes at
//! once and the change is queued durably (`pending_changes`), then the outbox task sends it
//! when the server answers. Failures follow [`plan::after_send_failure`] like messages do:
//! recoverable ones back off, a refusal drops the change and takes the server's view back.

use chrono::Utc;
use parley_protocol::{ConversationId, Settings};

use crate::{
    api::ApiError,
    cache::{ChangeKind, PendingChange},
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
            let attempts = u32::try_from(change.attempts).unwrap_or(u32::MAX);
            let step = plan::after_send_failure(
                attempts,
                &plan::SendFailure::Api(&e),
                Utc::now(),
                rand::random::<f64>(),
            );
            match step {
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
                    if let Ok(api) = self.api().await
                        && let Ok(fresh) = api.conversation(&id).await
                    {
                        self.with_cache_async(move |c| c.upsert_conversation(&fresh))
                            .await?;
                        let mut summary = crate::cache::AppliedSummary::default();
                        summary.conversations.insert(id);
                        self.emit(vec![EngineEvent::Applied { summary }]);
                    }
                }
            }
        }
        Ok(())
    }

    async fn send_change(&self, change: &PendingChange) -> Result<(), ApiError> {
        let api = self.api().await.map_err(|e| match e {
            crate::ClientError::Api(api) => api,
            e if e.is_signed_out() => ApiError::SignedOut(e.to_string()),
            e => ApiError::Network(format!("on this device: {e}")),
        })?;
        match &change.change {
            ChangeKind::Read(seq) => api.mark_read(&change.conversation_id, *seq).await,
            ChangeKind::Settings(settings) => api
                .set_conversation_settings(&change.conversation_id, settings)
                .await
                .map(|_| ()),
        }
    }
}
