-- Version 6: people and notification settings (PRODUCT.md §2 "People, roles, read state,
-- mentions, presence and notification settings").

-- Each member's own settings for the conversation.
ALTER TABLE members ADD COLUMN notify TEXT NOT NULL DEFAULT 'all'
    CHECK (notify IN ('all', 'mentions', 'none'));
ALTER TABLE members ADD COLUMN muted_until INTEGER;  -- ms; NULL: not muted

-- The members a message names as @username: their ids separated by spaces ('' for none);
-- recomputed on edit, emptied on delete.
ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '';

-- An event only one member may see (settings.updated); NULL: every member in span.
ALTER TABLE events ADD COLUMN for_user TEXT;

-- Presence: whether others may see it, and when the user was last online (ms).
ALTER TABLE users ADD COLUMN show_presence INTEGER NOT NULL DEFAULT 1 CHECK (show_presence IN (0, 1));
ALTER TABLE users ADD COLUMN last_seen_at INTEGER;
