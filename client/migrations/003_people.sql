-- Parley client cache, version 3: mentions, the account's notification settings, presence.
-- Never edit once shipped: add 004_*.sql instead (see client/src/cache/connection.rs).

-- The account's own side of a conversation, like unread_count: the last value from the
-- server, adjusted locally as events arrive.
ALTER TABLE conversations ADD COLUMN mention_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN notify TEXT NOT NULL DEFAULT 'all'
    CHECK (notify IN ('all', 'mentions', 'none'));
ALTER TABLE conversations ADD COLUMN muted_until INTEGER;  -- microseconds; NULL: not muted

-- Whom a message names (JSON array of user ids, as on the wire).
ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]';

-- Presence as last heard from the server: when they were last online (microseconds, NULL:
-- unknown or hidden) and whether they show it.
ALTER TABLE users ADD COLUMN last_seen_at INTEGER;
ALTER TABLE users ADD COLUMN show_presence INTEGER NOT NULL DEFAULT 1 CHECK (show_presence IN (0, 1));
