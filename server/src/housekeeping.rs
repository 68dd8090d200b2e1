//! Work a running server does on its own, on timers: hearing of sessions revoked by another
//! process (so their sockets close within a second), forgetting idle rate-limit keys, and
//! deleting uploads that were never attached to a message.

use std::time::Duration;

use crate::{AppState, clock::now_ms};

/// How often the database is asked for newly revoked sessions.
const REVOCATION_POLL: Duration = Duration::from_secs(1);
/// Each poll looks back this far: a revocation committed late in a write batch carries the
/// batch's start time, and closing an already closed session is harmless.
const REVOCATION_LOOKBACK_MS: i64 = 10_000;
const SHRINK_EVERY: Duration = Duration::from_secs(60);
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Runs until the server shuts down.
pub async fn run(state: AppState) {
    let mut revocations = tokio::time::interval(REVOCATION_POLL);
    let mut shrink = tokio::time::interval(SHRINK_EVERY);
    let mut sweep = tokio::time::interval(SWEEP_EVERY);
    revocations.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut since = now_ms() - REVOCATION_LOOKBACK_MS;
    loop {
        tokio::select! {
            _ = revocations.tick() => since = close_revoked(&state, since).await,
            _ = shrink.tick() => state.limits.shrink(),
            _ = sweep.tick() => crate::routes::attachments::sweep_unattached(&state).await,
            () = state.shutdown.cancelled() => return,
        }
    }
}

/// Closes the sockets of sessions revoked since `since`; returns where the next poll starts.
async fn close_revoked(state: &AppState, since: i64) -> i64 {
    let polled_at = now_ms();
    match state.store.revoked_since(since).await {
        Ok(sessions) => {
            for session in &sessions {
                state.hub.close_session(session, "session revoked");
            }
            polled_at - REVOCATION_LOOKBACK_MS
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not read revoked sessions");
            since
        }
    }
}
