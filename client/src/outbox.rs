//! The sending side of the outbox: one task sends entries in the order they were composed,
//! each with its `client_id`, so a retry after a crash or a lost answer is answered by the
//! server with the same message, never a duplicate.
//!
//! Failures are classified: recoverable ones (network, 5xx, 429) keep the entry and back off
//! (honouring `Retry-After`); permanent ones (any other 4xx) mark it failed with a reason the
//! UI shows, and the user retries or discards it. The entry stays first in line while it
//! backs off, so later messages never overtake it.
//!
//! An entry with files uploads them first, one by one, storing each file's server id as
//! soon as its upload is answered, so a retry (or a restart after a crash) only uploads what
//! is left; a crash in the moment between the server's answer and that write costs one
//! repeated upload (the server has no upload idempotency key), never a repeated message.
//! Upload failures are classified like sends (a 413 or 400 is permanent). Once the message
//! is acknowledged its staged files are deleted.

use std::sync::atomic::Ordering;

use chrono::Utc;
use parley_protocol::SendMessageRequest;

use crate::{
    api::ApiError,
    attachments::UploadFailure,
    cache::{Delivery, OutboxEntry},
    engine::{Engine, EngineEvent},
    plan,
};

/// What one send attempt led to.
#[derive(Debug)]
pub enum Attempt {
    Sent,
    /// Kept; try again after the recorded backoff.
    Later(ApiError),
    /// Marked failed.
    Failed(String),
}

impl Engine {
    /// Sends one outbox entry and records the outcome in the cache.
    pub async fn send_entry(&self, entry: &OutboxEntry) -> anyhow::Result<Attempt> {
        let attachment_ids = match self.upload_files(entry).await {
            Ok(ids) => ids,
            Err(UploadFailure::Local(e)) => return Err(e),
            Err(UploadFailure::Gone(name)) => {
                let reason = format!("the file {name} is no longer on this device");
                return self.fail(entry, reason).await;
            }
            Err(UploadFailure::Api(name, e)) => {
                return self
                    .api_failure(entry, e, |e| format!("could not upload {name}: {e}"))
                    .await;
            }
        };
        let api = self.api().await?;
        let request = SendMessageRequest {
            client_id: entry.client_id,
            body: entry.body.clone(),
            reply_to: entry.reply_to.clone(),
            attachment_ids,
        };
        let client_id = entry.client_id;
        let conversation_id = entry.conversation_id.clone();
        match api.send_message(&entry.conversation_id, &request).await {
            Ok(message) => {
                // The server answers again: don't let the realtime loop sit out its backoff.
                if *self.inner.state.borrow() == crate::ConnectionState::Offline {
                    self.inner.reconnect_now.notify_one();
                }
                self.with_cache_async(move |c| c.outbox_mark_sent(client_id, &message))
                    .await?;
                if !entry.attachments.is_empty()
                    && let Err(e) = self.remove_unneeded_staged().await
                {
                    tracing::warn!(error = %e, "outbox: sent, but its staged files stay");
                }
                self.emit(vec![EngineEvent::Outbox {
                    client_id,
                    conversation_id,
                    delivery: Delivery::Sent,
                }]);
                Ok(Attempt::Sent)
            }
            Err(e) => self.api_failure(entry, e, |e| e.to_string()).await,
        }
    }

    /// Records a failed call: recoverable ones back off, permanent ones mark the entry
    /// failed with `reason(e)`; a lost session is returned as an error.
    async fn api_failure(
        &self,
        entry: &OutboxEntry,
        e: ApiError,
        reason: impl FnOnce(&ApiError) -> String,
    ) -> anyhow::Result<Attempt> {
        let client_id = entry.client_id;
        match e {
            e if e.is_recoverable() => {
                let delay =
                    plan::retry_delay(entry.attempts, rand::random::<f64>(), e.retry_after());
                let at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
                self.with_cache_async(move |c| c.outbox_record_attempt(client_id, at))
                    .await?;
                Ok(Attempt::Later(e))
            }
            ApiError::SignedOut(why) => Err(ApiError::SignedOut(why).into()),
            e => {
                let reason = reason(&e);
                self.fail(entry, reason).await
            }
        }
    }

    /// Marks the entry failed for good with `reason` (for the user).
    async fn fail(&self, entry: &OutboxEntry, reason: String) -> anyhow::Result<Attempt> {
        let client_id = entry.client_id;
        let stored = reason.clone();
        self.with_cache_async(move |c| c.outbox_mark_failed(client_id, &stored))
            .await?;
        self.emit(vec![EngineEvent::Outbox {
            client_id,
            conversation_id: entry.conversation_id.clone(),
            delivery: Delivery::Failed {
                reason: reason.clone(),
            },
        }]);
        Ok(Attempt::Failed(reason))
    }

    /// Sends every pending entry now, in order, ignoring backoff. Stops at the first
    /// recoverable failure (the rest wait behind it) and returns it; `Ok(None)` when the
    /// outbox is empty of pending entries.
    pub async fn flush_outbox(&self) -> anyhow::Result<Option<ApiError>> {
        while let Some(entry) = self.with_cache_async(|c| c.outbox_next()).await? {
            if let Attempt::Later(e) = self.send_entry(&entry).await? {
                return Ok(Some(e));
            }
        }
        Ok(None)
    }

    /// The sending task: runs until the session is gone. Sleeps on the outbox's `Notify`
    /// (new entry, connection back) or until the head entry's backoff has passed.
    pub async fn run_outbox(&self) -> anyhow::Error {
        loop {
            let next = match self.with_cache_async(|c| c.outbox_next()).await {
                Ok(next) => next,
                Err(e) => return e,
            };
            let Some(entry) = next else {
                self.inner.outbox_wake.notified().await;
                continue;
            };
            let now_anyway = self.inner.outbox_now.swap(false, Ordering::AcqRel);
            if let Some(at) = entry.next_attempt_at
                && at > Utc::now()
                && !now_anyway
            {
                let wait = (at - Utc::now()).to_std().unwrap_or_default();
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = self.inner.outbox_wake.notified() => {}
                }
                continue;
            }
            match self.send_entry(&entry).await {
                Ok(_) => {}
                Err(e) if crate::sync::is_signed_out(&e) => return e,
                Err(e) => tracing::warn!(error = %e, "outbox: send attempt failed"),
            }
        }
    }
}
