-- Parley client cache, version 5: edits, deletions and reactions made while offline.
-- Never edit once shipped: add 006_*.sql instead.

-- Changes to sent messages made on this device and not yet acknowledged by the server. Each
-- is written into the cached message at once and sent by the outbox task in `queued` order.
-- One row per message, kind and key (the emoji of a reaction; '' otherwise): a newer edit
-- replaces the older one, toggling a reaction again replaces the earlier toggle, and a
-- deletion replaces every other change of its message.
CREATE TABLE pending_message_changes (
    message_id      TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('edit', 'delete', 'react')),
    key             TEXT NOT NULL DEFAULT '',    -- the emoji of a reaction
    payload         TEXT NOT NULL DEFAULT '',    -- edit: the new body; react: 'on' or 'off'
    queued          INTEGER NOT NULL,            -- send order
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,                     -- microseconds; NULL: now
    PRIMARY KEY (message_id, kind, key)
) WITHOUT ROWID;

CREATE INDEX pending_message_changes_by_conversation
    ON pending_message_changes (conversation_id);
