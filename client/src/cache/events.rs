//! Applying the event stream: one batch, one transaction, cursor included.
//!
//! Every handler is idempotent (inserts that skip what is stored, edits that must be newer,
//! tombstones that are final, markers that only move forward, set-like reaction lists), so
//! replaying events — a WebSocket replay overlapping a sync page, a crash between applying
//! and acknowledging — leaves the cache as it was.
//!
//! The [`AppliedSummary`] reports net changes: each message and conversation an event touches
//! is captured before its first change and compared with its final state at the end of the
//! batch. (Per-event reporting would flag a replayed "add 👍, remove 👍" pair, which changes
//! the message and changes it back.)

use std::collections::BTreeMap;

use parley_protocol::{
    ConversationId, Event, EventPayload, Message, MessageId, ReactionChange, Role, UserId,
};
use rusqlite::Connection;

use super::{
    AppliedSummary, Cache, CacheResult,
    columns::micros,
    conversations::{self, Snapshot, Source},
    members, message_changes,
    messages::{self, Outcome, Source as Write},
    read_markers,
    sync_state::{self, CURSOR},
};

impl Cache {
    /// Applies a batch of events in order, in one transaction, and stores the last event's
    /// cursor in that same transaction. Applying the same events again changes nothing (and
    /// returns an empty summary).
    pub fn apply_events(&mut self, events: &[Event]) -> CacheResult<AppliedSummary> {
        let own = self.own_user.clone();
        self.with_tx(|tx| {
            let mut applier = Applier {
                conn: tx,
                own: own.as_ref(),
                summary: AppliedSummary::default(),
                messages_before: BTreeMap::new(),
                conversations_before: BTreeMap::new(),
            };
            for event in events {
                applier.apply(event)?;
            }
            let mut summary = applier.finish()?;
            if let Some(last) = events.last() {
                sync_state::set(tx, CURSOR, last.cursor.as_str())?;
                summary.cursor = Some(last.cursor.clone());
            }
            Ok(summary)
        })
    }
}

/// The state of one batch being applied.
struct Applier<'a> {
    conn: &'a Connection,
    own: Option<&'a UserId>,
    summary: AppliedSummary,
    /// Touched messages as they were before the batch (`None`: not cached).
    messages_before: BTreeMap<MessageId, (ConversationId, Option<Message>)>,
    /// Touched conversations as they were before the batch.
    conversations_before: BTreeMap<ConversationId, Option<Snapshot>>,
}

impl Applier<'_> {
    fn apply(&mut self, event: &Event) -> CacheResult<()> {
        let conv = &event.conversation_id;
        match &event.payload {
            EventPayload::MessageCreated(m) => self.message(m, Write::Insert),
            EventPayload::MessageEdited(m) => self.message(m, Write::Edit),
            EventPayload::MessageDeleted(m) => self.message(m, Write::Snapshot),
            EventPayload::ReactionAdded(change) => self.reaction(change, true),
            EventPayload::ReactionRemoved(change) => self.reaction(change, false),
            EventPayload::ConversationCreated(c) | EventPayload::ConversationUpdated(c) => {
                self.touch_conversation(&c.id)?;
                if conversations::upsert(self.conn, c, Source::Event, self.own)? {
                    self.summary.refetch.insert(c.id.clone());
                }
                Ok(())
            }
            EventPayload::MemberAdded(change) => self.member_added(conv, &change.user_id),
            EventPayload::MemberRemoved(change) => {
                self.member_removed(conv, &change.user_id, micros(event.at))
            }
            EventPayload::ReadUpdated(change) => self.read(conv, &change.user_id, change.seq),
            EventPayload::SettingsUpdated(settings) => {
                self.touch_conversation(conv)?;
                conversations::set_settings(self.conn, conv, settings)?;
                Ok(())
            }
        }
    }

    /// Compares everything touched with how it was before the batch.
    fn finish(mut self) -> CacheResult<AppliedSummary> {
        for (id, (conv, before)) in std::mem::take(&mut self.messages_before) {
            if messages::by_id(self.conn, &id)? != before {
                self.summary.message(&conv, &id);
            }
        }
        for (id, before) in std::mem::take(&mut self.conversations_before) {
            if conversations::snapshot(self.conn, &id)? != before {
                self.summary.conversations.insert(id);
            }
        }
        Ok(self.summary)
    }

    fn touch_message(&mut self, conv: &ConversationId, id: &MessageId) -> CacheResult<()> {
        if !self.messages_before.contains_key(id) {
            let before = messages::by_id(self.conn, id)?;
            self.messages_before
                .insert(id.clone(), (conv.clone(), before));
        }
        self.touch_conversation(conv)
    }

    fn touch_conversation(&mut self, conv: &ConversationId) -> CacheResult<()> {
        if !self.conversations_before.contains_key(conv) {
            let before = conversations::snapshot(self.conn, conv)?;
            self.conversations_before.insert(conv.clone(), before);
        }
        Ok(())
    }

    fn is_own(&self, user: &UserId) -> bool {
        self.own == Some(user)
    }

    fn message(&mut self, m: &Message, write: Write) -> CacheResult<()> {
        let conv = &m.conversation_id;
        if write != Write::Insert && messages::is_before_window(self.conn, m)? {
            // An edit or deletion of history older than anything cached (the cache starts
            // at a backfill page or a join): storing it would leave an island that gap
            // filling then fetches everything up to. Scrolling back fetches it as it is now.
            return Ok(());
        }
        self.touch_message(conv, &m.id)?;
        let Some(last_read) = conversations::last_read_seq(self.conn, conv)? else {
            // Not cached yet: keep the message, have the conversation fetched.
            messages::upsert(self.conn, m, write)?;
            self.summary.refetch.insert(conv.clone());
            return Ok(());
        };
        // Exactly-once unread bookkeeping: +1 when someone else's message first arrives,
        // −1 when it turns into a tombstone (both transitions happen once per message).
        // The mention count follows the same transitions for messages that name the account.
        let counts_as_unread = !self.is_own(&m.sender_id) && m.seq > last_read;
        // (A tombstone names no one: what it named is in the copy from before the batch.)
        let stored = self
            .messages_before
            .get(&m.id)
            .and_then(|(_, m)| m.as_ref());
        let mentions_own = self.own.is_some_and(|own| {
            m.mentions.contains(own) || stored.is_some_and(|s| s.mentions.contains(own))
        });
        let delta = match messages::upsert(self.conn, m, write)? {
            Outcome::Inserted if counts_as_unread && !m.deleted => 1,
            Outcome::Updated { now_deleted: true } if counts_as_unread => -1,
            _ => 0,
        };
        if delta != 0 {
            conversations::adjust_unread(self.conn, conv, delta)?;
        }
        if delta != 0 && mentions_own {
            conversations::adjust_mentions(self.conn, conv, delta)?;
        }
        Ok(())
    }

    /// Recomputes the message's `{emoji, count, user_ids}` list with one user added or
    /// removed. Reactions on messages not cached (or deleted) are dropped: the message will
    /// come with its reactions when it is fetched.
    fn reaction(&mut self, change: &ReactionChange, added: bool) -> CacheResult<()> {
        let Some(mut m) = messages::by_id(self.conn, &change.message_id)? else {
            return Ok(());
        };
        if m.deleted {
            return Ok(());
        }
        self.touch_message(&m.conversation_id, &m.id)?;
        messages::toggle_reaction(&mut m.reactions, &change.emoji, &change.user_id, added);
        messages::set_reactions(self.conn, &m.id, &m.reactions)?;
        // The account's own toggles not yet acknowledged stay in force.
        message_changes::reapply(self.conn, &m.id)?;
        Ok(())
    }

    fn member_added(&mut self, conv: &ConversationId, user: &UserId) -> CacheResult<()> {
        if conversations::left(self.conn, conv)?.is_none() {
            // The `conversation.updated` that follows (or a fetch) brings the rest.
            self.summary.refetch.insert(conv.clone());
            return Ok(());
        }
        self.touch_conversation(conv)?;
        members::add(self.conn, conv, user, Role::Member)?;
        if self.is_own(user) && conversations::set_left(self.conn, conv, None)? {
            // Back in after having left: what happened meanwhile was never sent to us.
            self.summary.refetch.insert(conv.clone());
        }
        Ok(())
    }

    fn member_removed(&mut self, conv: &ConversationId, user: &UserId, at: i64) -> CacheResult<()> {
        self.touch_conversation(conv)?;
        members::remove(self.conn, conv, user)?;
        if self.is_own(user) {
            conversations::set_left(self.conn, conv, Some(at))?;
        }
        Ok(())
    }

    fn read(&mut self, conv: &ConversationId, user: &UserId, seq: i64) -> CacheResult<()> {
        if read_markers::advance(self.conn, conv, user, seq)? {
            self.summary.read_markers.insert(conv.clone());
        }
        if self.is_own(user) {
            self.touch_conversation(conv)?;
            conversations::advance_read(self.conn, conv, self.own, seq)?;
        }
        Ok(())
    }
}
