-- Parley client cache, version 3: mentions and the account's notification settings.
-- Never edit once shipped: add 004_*.sql instead (see client/src/cache/connection.rs).

-- The account's own side of a conversation, like unread_count: the last value from the
-- server, adjusted locally as events arrive.
ALTER TABLE conversations ADD COLUMN mention_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN notify TEXT NOT NULL DEFAULT 'all'
    CHECK (notify IN ('all', 'mentions', 'none'));
ALTER TABLE conversations ADD COLUMN muted_until INTEGER;  -- microseconds; NULL: not muted

-- Whom a message names (JSON array of user ids, as on the wire).
ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]';
