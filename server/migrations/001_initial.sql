-- Parley server schema, version 1. Never edit once shipped: add a new migration instead.
-- Times are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE users (
    id            TEXT PRIMARY KEY,          -- UUIDv7, time-sortable
    username      TEXT NOT NULL UNIQUE,      -- folded to lower case before it gets here
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,             -- argon2id PHC string
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users(id),
    device_name        TEXT,
    access_hash        BLOB NOT NULL UNIQUE,  -- sha256 of the access token; the token itself is never stored
    access_expires_at  INTEGER NOT NULL,
    refresh_hash       BLOB NOT NULL UNIQUE,  -- sha256 of the current refresh token
    refresh_expires_at INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    last_seen_at       INTEGER NOT NULL,
    revoked_at         INTEGER                -- set on logout, revoke, or refresh-token reuse
);
CREATE INDEX sessions_by_user ON sessions(user_id);

-- Refresh tokens already rotated away: presenting one again means it leaked, and revokes the session.
CREATE TABLE spent_refresh_tokens (
    hash       BLOB PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id)
) WITHOUT ROWID;

CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
    title      TEXT,                          -- NULL for direct conversations
    direct_key TEXT UNIQUE,                   -- 'userA|userB' (sorted) for direct ones: makes creation idempotent
    created_at INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL DEFAULT 0,    -- highest message seq handed out
    activity   INTEGER NOT NULL               -- newest event id touching it, for "newest activity first"
);

CREATE TABLE members (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    user_id         TEXT NOT NULL REFERENCES users(id),
    role            TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    last_read_seq   INTEGER NOT NULL DEFAULT 0,   -- never moves backwards
    PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_by_user ON members(user_id, conversation_id);

-- Which stretch of the event log a user may see for a conversation: from the event that made
-- them a member to the event that removed them (inclusive, so they see their own removal).
CREATE TABLE member_spans (
    user_id         TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    start_event     INTEGER NOT NULL,
    end_event       INTEGER,                  -- NULL while still a member
    PRIMARY KEY (user_id, conversation_id, start_event)
) WITHOUT ROWID;

CREATE TABLE messages (
    rowid           INTEGER PRIMARY KEY,      -- grows with time: the hot index stays append-only
    id              TEXT NOT NULL UNIQUE,     -- UUIDv7
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq             INTEGER NOT NULL,
    sender_id       TEXT NOT NULL REFERENCES users(id),
    client_id       TEXT NOT NULL,
    body            TEXT NOT NULL,
    reply_to        TEXT,
    created_at      INTEGER NOT NULL,
    edited_at       INTEGER,
    deleted         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (conversation_id, seq),
    UNIQUE (sender_id, client_id)             -- idempotent sends: one message per client_id per sender
);

CREATE TABLE reactions (
    message_rowid INTEGER NOT NULL REFERENCES messages(rowid),
    emoji         TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (message_rowid, emoji, user_id)
) WITHOUT ROWID;

CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    uploader_id  TEXT NOT NULL REFERENCES users(id),
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,               -- hex; the file lives at data_dir/attachments/ab/abcdef…
    name         TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE message_attachments (
    message_rowid INTEGER NOT NULL REFERENCES messages(rowid),
    position      INTEGER NOT NULL,
    attachment_id TEXT NOT NULL REFERENCES attachments(id),
    PRIMARY KEY (message_rowid, position)
) WITHOUT ROWID;
CREATE INDEX message_attachments_by_attachment ON message_attachments(attachment_id);

-- The event log: every change a user may see. `id` is the sync cursor.
CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    type            TEXT NOT NULL,
    at              INTEGER NOT NULL,
    json            TEXT NOT NULL            -- the event exactly as sent to clients
);
CREATE INDEX events_by_conversation ON events(conversation_id, id);

-- Full-text search over message bodies, kept in step by triggers. Deleted messages have an
-- empty body and are removed from the index.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    body,
    content = 'messages',
    content_rowid = 'rowid',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'"
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, body) VALUES (new.rowid, new.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
    INSERT INTO messages_fts(rowid, body) SELECT new.rowid, new.body WHERE new.deleted = 0;
END;
