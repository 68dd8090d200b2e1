-- Parley client cache, version 2: attachments.
-- Never edit once shipped: add 003_*.sql instead (see client/src/cache/connection.rs).

-- Files picked to be sent. The bytes live in `<account dir>/staged/<staged_id>` (written and
-- fsynced before this row is inserted); this row says what they are and where they stand.
CREATE TABLE staged_attachments (
    staged_id     TEXT PRIMARY KEY,            -- UUID; also the file's name on disk
    name          TEXT NOT NULL,               -- sanitized file name, as the server will get it
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,            -- bytes
    created_at    INTEGER NOT NULL,            -- when it was staged (orphans expire after 24 h)
    client_id     TEXT,                        -- the outbox entry carrying it; NULL: not yet
                                               -- composed. No foreign key on purpose: when the
                                               -- entry leaves the outbox (acknowledged, settled
                                               -- by an event, discarded) the row stays until the
                                               -- engine has deleted the file, then goes too
    position      INTEGER NOT NULL DEFAULT 0,  -- order among the entry's attachments
    attachment_id TEXT                         -- the server's id once uploaded, stored right
                                               -- after the upload: a retry never uploads twice
);
CREATE INDEX staged_attachments_by_entry ON staged_attachments(client_id, position);

-- Every attachment the cache has seen on a message, by id: what downloads check the bytes
-- against (size, sha256) and name the file after. Filled as messages are stored.
CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,                -- lower-case hex
    name         TEXT NOT NULL
) WITHOUT ROWID;

INSERT OR IGNORE INTO attachments (id, size, content_type, sha256, name)
SELECT json_extract(a.value, '$.id'), json_extract(a.value, '$.size'),
       json_extract(a.value, '$.content_type'), json_extract(a.value, '$.sha256'),
       json_extract(a.value, '$.name')
FROM messages, json_each(messages.attachments) AS a;
