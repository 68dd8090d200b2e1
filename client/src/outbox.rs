//! The sending side of the outbox: one task sends entries in the order they were composed,
//! each with its `client_id`, so a retry after a crash or a lost answer is answered by the
//! server with the same message, never a duplicate.
//!
//! Failures are classified by [`plan::after_send_failure`], a pure function of the entry's
//! attempts, the error and the time: recoverable ones (network, 5xx, 408, 429, and failures
//! on this device such as a locked keyring) keep the entry and back off (honouring
//! `Retry-After`); permanent ones (any other 4xx, a staged file gone) mark it failed with a
//! reason the UI shows, and the user retries or discards it. The entry stays first in line while it
//! backs off, so later messages never overtake it.
//!
//! An entry with files uploads them first, one by one, storing each file's server id as
//! soon as its upload is answered, so a retry (or a restart after a crash) only uploads what
//! is left; each upload carries the staged file's id as its `client_id`, so a crash between
//! the server's answer and that write gets the same attachment back, never a second copy.
//! Upload failures are classified like sends (a 413 or 400 is permanent). Once the message
//! is acknowledged its staged files are deleted.

use crate::error::ClientResult;
use std::sync::atomic::Ordering;

use chrono::Utc;
use parley_protocol::SendMessageRequest;

use crate::{
    api::ApiError,
    attachments::UploadFailure,
    cache::{Delivery, OutboxEntry},
    engine::{Engine, EngineEvent},
    error::ClientError,
    plan,
};

/// How an attempt failed, before [`plan::after_send_failure`] decides what follows.
#[derive(Debug)]
enum Failed {
    Upload(UploadFailure),
    Send(ApiError),
    /// The cache or the keyring.
    Local(ClientError),
}

impl Failed {
    /// What [`Attempt::Later`] reports; a local failure reads as a network-like one.
    fn into_api_error(self) -> ApiError {
        match self {
            Self::Upload(UploadFailure::Api(_, e)) | Self::Send(e) => e,
            Self::Upload(UploadFailure::Gone(name)) => {
                ApiError::Protocol(format!("{name} is gone"))
            }
            Self::Upload(UploadFailure::Cancelled) => ApiError::Protocol("cancelled".to_owned()),
            Self::Upload(UploadFailure::Local(e)) | Self::Local(e) => match e {
                ClientError::Api(api) => api,
                e => ApiError::Network(format!("on this device: {e}")),
            },
        }
    }
}

/// What one send attempt led to.
#[derive(Debug)]
pub enum Attempt {
    Sent,
    /// Kept; try again after the recorded backoff.
    Later(ApiError),
    /// Marked failed.
    Failed(String),
    /// Its upload was cancelled and the entry discarded.
    Cancelled,
}

impl Engine {
    /// Sends one outbox entry and records the outcome in the cache. Every failure goes
    /// through [`plan::after_send_failure`]; only a lost session comes back as an error.
    pub async fn send_entry(&self, entry: &OutboxEntry) -> ClientResult<Attempt> {
        let failure = match self.try_send(entry).await {
            Ok(()) => return Ok(Attempt::Sent),
            Err(Failed::Upload(UploadFailure::Cancelled)) => return Ok(Attempt::Cancelled),
            Err(failure) => failure,
        };
        let local_text;
        let signed_out = ApiError::SignedOut(String::new());
        let (plan_input, upload_of) = match &failure {
            Failed::Upload(UploadFailure::Api(name, e)) => {
                (plan::SendFailure::Api(e), Some(name.as_str()))
            }
            Failed::Send(e) => (plan::SendFailure::Api(e), None),
            Failed::Upload(UploadFailure::Gone(name)) => (plan::SendFailure::FileGone(name), None),
            Failed::Upload(UploadFailure::Local(e)) | Failed::Local(e) if e.is_signed_out() => {
                (plan::SendFailure::Api(&signed_out), None)
            }
            Failed::Upload(UploadFailure::Local(e)) | Failed::Local(e) => {
                local_text = e.to_string();
                (plan::SendFailure::Local(&local_text), None)
            }
            // Returned as `Attempt::Cancelled` above; read as a local failure for completeness.
            Failed::Upload(UploadFailure::Cancelled) => {
                (plan::SendFailure::Local("cancelled"), None)
            }
        };
        let step = plan::after_send_failure(
            entry.attempts,
            &plan_input,
            Utc::now(),
            rand::random::<f64>(),
        );
        let client_id = entry.client_id;
        match step {
            plan::SendStep::RetryAt(at) => {
                if let Failed::Upload(UploadFailure::Local(e)) | Failed::Local(e) = &failure {
                    tracing::warn!(error = %e, "outbox: local failure, backing off");
                }
                self.with_cache_async(move |c| c.outbox_record_attempt(client_id, at))
                    .await?;
                Ok(Attempt::Later(failure.into_api_error()))
            }
            plan::SendStep::SignedOut => Err(match failure {
                Failed::Upload(UploadFailure::Local(e)) | Failed::Local(e) => e,
                other => other.into_api_error().into(),
            }),
            plan::SendStep::Fail(reason) => {
                let reason = match upload_of {
                    Some(name) => format!("could not upload {name}: {reason}"),
                    None => reason,
                };
                Ok(self.fail(entry, reason).await?)
            }
        }
    }

    /// One attempt: upload what is left of the entry's files, then send it.
    async fn try_send(&self, entry: &OutboxEntry) -> Result<(), Failed> {
        let attachment_ids = self.upload_files(entry).await.map_err(Failed::Upload)?;
        let api = self.api().await.map_err(Failed::Local)?;
        let request = SendMessageRequest {
            client_id: entry.client_id,
            body: entry.body.clone(),
            reply_to: entry.reply_to.clone(),
            attachment_ids,
        };
        let client_id = entry.client_id;
        let conversation_id = entry.conversation_id.clone();
        let message = api
            .send_message(&entry.conversation_id, &request)
            .await
            .map_err(Failed::Send)?;
        // The server answers again: don't let the realtime loop sit out its backoff.
        if *self.inner.state.borrow() == crate::ConnectionState::Offline {
            self.inner.reconnect_now.notify_one();
        }
        self.with_cache_async(move |c| c.outbox_mark_sent(client_id, &message))
            .await
            .map_err(Failed::Local)?;
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
        Ok(())
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

    /// Sends the queued changes and every pending entry now, in order, ignoring backoff. Stops at the first
    /// recoverable failure (the rest wait behind it) and returns it; `Ok(None)` when the
    /// outbox is empty of pending entries.
    pub async fn flush_outbox(&self) -> ClientResult<Option<ApiError>> {
        self.send_changes(true).await?;
        while let Some(entry) = self.with_cache_async(|c| c.outbox_next()).await? {
            if let Attempt::Later(e) = self.send_entry(&entry).await? {
                return Ok(Some(e));
            }
        }
        Ok(None)
    }

    /// The sending task: runs until the session is gone. Sleeps on the outbox's `Notify`
    /// (new entry or change, connection back) or until the head entry's (or a queued
    /// change's) backoff has passed. Queued changes (read markers, settings) go first: they
    /// are small, and a message sent after a read shouldn't find the marker behind.
    pub async fn run_outbox(&self) -> anyhow::Error {
        loop {
            let now_anyway = self.inner.outbox_now.swap(false, Ordering::AcqRel);
            match self.send_changes(now_anyway).await {
                Ok(()) => {}
                Err(e) if e.is_signed_out() => return e.into(),
                Err(e) => tracing::warn!(error = %e, "outbox: sending changes failed"),
            }
            let next = match self.with_cache_async(|c| c.outbox_next()).await {
                Ok(next) => next,
                Err(e) => return e.into(),
            };
            let changes_at = match self.with_cache_async(|c| c.changes_next_at()).await {
                Ok(at) => at,
                Err(e) => return e.into(),
            };
            let entry = match next {
                Some(entry)
                    if now_anyway || entry.next_attempt_at.is_none_or(|at| at <= Utc::now()) =>
                {
                    entry
                }
                waiting => {
                    let entry_at = waiting.and_then(|e| e.next_attempt_at);
                    let wake_at = match (entry_at, changes_at) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    match wake_at {
                        Some(at) => {
                            let wait = (at - Utc::now()).to_std().unwrap_or_default();
                            tokio::select! {
                                () = tokio::time::sleep(wait) => {}
                                () = self.inner.outbox_wake.notified() => {}
                            }
                        }
                        None => self.inner.outbox_wake.notified().await,
                    }
                    continue;
                }
            };
            match self.send_entry(&entry).await {
                Ok(_) => {}
                Err(e) if e.is_signed_out() => return e.into(),
                Err(e) => tracing::warn!(error = %e, "outbox: send attempt failed"),
            }
        }
    }
}
