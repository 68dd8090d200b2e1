-- Version 5: people and notification settings, as SQLite's 006_people.sql.
ALTER TABLE members ADD COLUMN notify TEXT NOT NULL DEFAULT 'all'
    CHECK (notify IN ('all', 'mentions', 'none'));
ALTER TABLE members ADD COLUMN muted_until BIGINT;
-- Member ids separated by spaces ('' for none), the same text as in SQLite.
ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN for_user TEXT;
ALTER TABLE users ADD COLUMN show_presence BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE users ADD COLUMN last_seen_at BIGINT;
