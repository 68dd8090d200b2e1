-- Parley client cache, version 1: one file per signed-in account.
-- Never edit once shipped: add 002_*.sql instead (see client/src/cache/connection.rs).
-- Times are integer microseconds since the Unix epoch (UTC). Ids are the server's opaque strings.

CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    username     TEXT NOT NULL,                -- lower case; used by `@username` lookups
    display_name TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX users_by_username ON users(username);

CREATE TABLE conversations (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
    title         TEXT,                        -- NULL for direct conversations
    created_at    INTEGER NOT NULL,
    unread_count  INTEGER NOT NULL DEFAULT 0,  -- the account's own count: last value from the
                                               -- server, adjusted locally as events arrive
    last_read_seq INTEGER NOT NULL DEFAULT 0,  -- the account's own read marker; only moves forward
                                               -- through events
    left_at       INTEGER                      -- set when the account was removed (or left):
                                               -- hidden from the list, messages stay readable
);

CREATE TABLE members (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_by_user ON members(user_id, conversation_id);

-- No foreign key to conversations on purpose: events can bring a conversation's messages
-- before the conversation itself (e.g. right after being added to a group); the sync layer
-- fetches the conversation afterwards (`AppliedSummary::refetch`).
CREATE TABLE messages (
    pk              INTEGER PRIMARY KEY,       -- stable rowid for the FTS index (survives VACUUM)
    conversation_id TEXT NOT NULL,
    seq             INTEGER NOT NULL,          -- 1, 2, 3, … per conversation, as the server assigned
    id              TEXT NOT NULL UNIQUE,
    client_id       TEXT NOT NULL,             -- the sender's UUID, used to settle outbox entries
    sender_id       TEXT NOT NULL,
    body            TEXT NOT NULL,             -- always '' when deleted, so the FTS index drops it
    reply_to        TEXT,
    created_at      INTEGER NOT NULL,
    edited_at       INTEGER,
    deleted         INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    reactions       TEXT NOT NULL DEFAULT '[]', -- JSON [{emoji, count, user_ids}], as on the wire
    attachments     TEXT NOT NULL DEFAULT '[]', -- JSON [{id, size, content_type, sha256, name}]
    UNIQUE (conversation_id, seq)
);

-- Everyone's read marker (for "seen by"); the account's own is also in conversations.
CREATE TABLE read_markers (
    conversation_id TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    seq             INTEGER NOT NULL,          -- highest seq read; never moves backwards
    PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;

-- Messages composed here and not yet acknowledged by the server. Written before any network
-- call; a row disappears when the server's copy arrives (ack or event with the same client_id).
CREATE TABLE outbox (
    position        INTEGER PRIMARY KEY AUTOINCREMENT, -- send order; AUTOINCREMENT: never reused
    client_id       TEXT NOT NULL UNIQUE,      -- UUID sent with the message: makes sends idempotent
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    body            TEXT NOT NULL,
    reply_to        TEXT,
    created_at      INTEGER NOT NULL,          -- when it was composed
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
    failure         TEXT,                      -- why it failed for good (shown to the user)
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER                    -- not before this time; NULL: as soon as possible
);

-- Per-account key/value state: the sync cursor, the account's own user id.
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Full-text index over message bodies (external content: the text lives in `messages`).
-- unicode61 already treats punctuation as separators; the explicit list documents the intent:
-- apostrophes (so "don't" is "don" + "t") and URL punctuation (so a link's host is a word).
CREATE VIRTUAL TABLE messages_fts USING fts5(
    body,
    content = 'messages',
    content_rowid = 'pk',
    tokenize = "unicode61 remove_diacritics 2 separators '''’/:.?&=#-_'"
);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.pk, new.body);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.pk, old.body);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.pk, old.body);
    INSERT INTO messages_fts (rowid, body) VALUES (new.pk, new.body);
END;
