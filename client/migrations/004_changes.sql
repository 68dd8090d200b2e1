-- Parley client cache, version 4: "Mark as unread", and the account's own changes queued
-- while offline. Never edit once shipped: add 005_*.sql instead.

-- The account's "Mark as unread" flag (a personal setting, like notify and muted_until).
ALTER TABLE conversations ADD COLUMN marked_unread INTEGER NOT NULL DEFAULT 0
    CHECK (marked_unread IN (0, 1));

-- Changes to the account's own side of a conversation, applied to this cache at once and
-- sent by the outbox task when the server answers: the read marker and the personal
-- settings. One row per conversation and kind: a newer change replaces the older one (the
-- newest settings win; the marker only moves forward).
CREATE TABLE pending_changes (
    conversation_id TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('read', 'settings')),
    payload         TEXT NOT NULL,              -- JSON: {"seq": N} or the settings
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,                    -- microseconds; NULL: now
    PRIMARY KEY (conversation_id, kind)
) WITHOUT ROWID;
