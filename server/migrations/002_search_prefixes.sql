-- Version 2: the search index keeps prefix lists for 1 and 2 characters, so a query of
-- short prefixes ("a b c") reads those lists lazily, newest first, instead of merging the
-- list of every word that starts with them (which read the whole index). Rebuilt from the
-- messages table; the triggers are the same as in version 1.
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;

CREATE VIRTUAL TABLE messages_fts USING fts5(
    body,
    content = 'messages',
    content_rowid = 'rowid',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'",
    prefix = '1 2'
);
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
-- Deleted messages have an empty body: nothing of them is indexed.
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, body) VALUES (new.rowid, new.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
    INSERT INTO messages_fts(rowid, body) SELECT new.rowid, new.body WHERE new.deleted = 0;
END;
