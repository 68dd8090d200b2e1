//! The `pending_changes` table: the account's own read marker and personal settings, changed
//! on this device and not yet acknowledged by the server.
//!
//! A change is applied to the cache at once (the list and the tray follow it offline) and
//! queued, one row per conversation and kind: newer settings replace older ones, a read
//! marker only moves forward. The outbox task sends them when the server answers. Until
//! then a REST answer (which carries the server's older view) must not undo them, so
//! [`reapply`] runs after every one.

use chrono::{DateTime, Utc};
use parley_protocol::{ConversationId, Settings, UserId};
use rusqlite::{Connection, params};

use super::{
    AppliedSummary, Cache, CacheResult,
    columns::{micros, to_json},
    conversations, read_markers,
};

/// What a pending change sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// The read marker, forward to this `seq`.
    Read(i64),
    /// The whole personal settings.
    Settings(Settings),
}

impl ChangeKind {
    fn as_str(&self) -> &'static str {
        match self {
            Self::Read(_) => "read",
            Self::Settings(_) => "settings",
        }
    }
}

/// A change waiting for the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingChange {
    pub conversation_id: ConversationId,
    pub change: ChangeKind,
    pub attempts: i64,
    /// As stored: a change queued again while this one was being sent stays queued.
    payload: String,
}

fn payload(change: &ChangeKind) -> serde_json::Result<String> {
    match change {
        ChangeKind::Read(seq) => Ok(serde_json::json!({ "seq": seq }).to_string()),
        ChangeKind::Settings(settings) => to_json(settings),
    }
}

fn parse(kind: &str, payload: &str) -> Option<ChangeKind> {
    match kind {
        "read" => serde_json::from_str::<serde_json::Value>(payload)
            .ok()?
            .get("seq")?
            .as_i64()
            .map(ChangeKind::Read),
        "settings" => serde_json::from_str(payload).ok().map(ChangeKind::Settings),
        _ => None,
    }
}

/// Applies `change` to the cached conversation. True if anything moved.
fn apply(
    conn: &Connection,
    id: &ConversationId,
    own: Option<&UserId>,
    change: &ChangeKind,
) -> rusqlite::Result<bool> {
    match change {
        ChangeKind::Read(seq) => {
            if let Some(own) = own {
                read_markers::advance(conn, id, own, *seq)?;
            }
            conversations::advance_read(conn, id, own, *seq)
        }
        ChangeKind::Settings(settings) => {
            conversations::set_settings(conn, id, settings)?;
            Ok(true)
        }
    }
}

/// Puts this conversation's pending changes back over a REST answer just stored.
pub(super) fn reapply(
    conn: &Connection,
    id: &ConversationId,
    own: Option<&UserId>,
) -> rusqlite::Result<()> {
    let pending = conn
        .prepare_cached("SELECT kind, payload FROM pending_changes WHERE conversation_id = ?1")?
        .query_map([id.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (kind, payload) in pending {
        if let Some(change) = parse(&kind, &payload) {
            apply(conn, id, own, &change)?;
        }
    }
    Ok(())
}

impl Cache {
    /// Applies `change` to the cache and queues it for the server. A read marker at or
    /// below the current one changes nothing and queues nothing. The summary names the
    /// conversation when its list row changed.
    pub fn change_queue(
        &mut self,
        id: &ConversationId,
        change: ChangeKind,
    ) -> CacheResult<AppliedSummary> {
        let own = self.own_user.clone();
        self.with_tx(|tx| {
            let mut summary = AppliedSummary::default();
            let before = conversations::snapshot(tx, id)?;
            if before.is_none() {
                return Err(super::CacheError::UnknownConversation(id.clone()));
            }
            let queued = match &change {
                ChangeKind::Read(_) => apply(tx, id, own.as_ref(), &change)?,
                ChangeKind::Settings(_) => {
                    apply(tx, id, own.as_ref(), &change)?;
                    true
                }
            };
            if queued {
                tx.prepare_cached(
                    "INSERT INTO pending_changes (conversation_id, kind, payload)
                     VALUES (?1, ?2, ?3)
                     ON CONFLICT (conversation_id, kind) DO UPDATE SET
                         payload = excluded.payload, attempts = 0, next_attempt_at = NULL",
                )?
                .execute(params![
                    id.as_str(),
                    change.as_str(),
                    payload(&change)?
                ])?;
                if matches!(change, ChangeKind::Read(_)) {
                    summary.read_markers.insert(id.clone());
                }
            }
            if conversations::snapshot(tx, id)? != before {
                summary.conversations.insert(id.clone());
            }
            Ok(summary)
        })
    }

    /// Changes due for sending (`next_attempt_at` passed), oldest conversation first.
    pub fn changes_due(&self, now: DateTime<Utc>) -> CacheResult<Vec<PendingChange>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT conversation_id, kind, payload, attempts FROM pending_changes
                 WHERE next_attempt_at IS NULL OR next_attempt_at <= ?1
                 ORDER BY conversation_id, kind",
            )?
            .query_map([micros(now)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .filter_map(|(id, kind, payload, attempts)| {
                Some(PendingChange {
                    conversation_id: ConversationId::new(id),
                    change: parse(&kind, &payload)?,
                    attempts,
                    payload,
                })
            })
            .collect())
    }

    /// When the next backed-off change (of a conversation or a message) is due, if any waits.
    pub fn changes_next_at(&self) -> CacheResult<Option<DateTime<Utc>>> {
        let at: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT MIN(at) FROM (
                     SELECT next_attempt_at AS at FROM pending_changes
                     UNION ALL SELECT next_attempt_at FROM pending_message_changes)",
            )?
            .query_row([], |r| r.get(0))?;
        Ok(at.map(super::columns::time))
    }

    /// How many changes (of conversations and of messages) wait.
    pub fn changes_pending(&self) -> CacheResult<i64> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT (SELECT COUNT(*) FROM pending_changes)
                      + (SELECT COUNT(*) FROM pending_message_changes)",
            )?
            .query_row([], |r| r.get(0))?)
    }

    /// The server took (or refused for good) `change`: forget it, unless a newer one
    /// replaced it meanwhile.
    pub fn change_done(&mut self, change: &PendingChange) -> CacheResult<()> {
        self.with_tx(|tx| {
            tx.prepare_cached(
                "DELETE FROM pending_changes
                 WHERE conversation_id = ?1 AND kind = ?2 AND payload = ?3",
            )?
            .execute(params![
                change.conversation_id.as_str(),
                change.change.as_str(),
                change.payload
            ])?;
            Ok(())
        })
    }

    /// Sending `change` failed for now: try again at `at`.
    pub fn change_retry_at(
        &mut self,
        change: &PendingChange,
        at: DateTime<Utc>,
    ) -> CacheResult<()> {
        self.with_tx(|tx| {
            tx.prepare_cached(
                "UPDATE pending_changes SET attempts = attempts + 1, next_attempt_at = ?4
                 WHERE conversation_id = ?1 AND kind = ?2 AND payload = ?3",
            )?
            .execute(params![
                change.conversation_id.as_str(),
                change.change.as_str(),
                change.payload,
                micros(at)
            ])?;
            Ok(())
        })
    }
}
