-- Version 4: the search index splits words as the client's cache and the shared query
-- builder do (parley_protocol::search): a word is a run of letters and digits, so `_` now
-- separates words too ("foo_bar" is "foo" + "bar"), and a query finds the same messages
-- online and offline. Rebuilt from the messages table; triggers as in version 2.
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;

CREATE VIRTUAL TABLE messages_fts USING fts5(
    body,
    content = 'messages',
    content_rowid = 'rowid',
    tokenize = "unicode61 remove_diacritics 2",
    prefix = '1 2'
);
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, body) VALUES (new.rowid, new.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
    INSERT INTO messages_fts(rowid, body) SELECT new.rowid, new.body WHERE new.deleted = 0;
END;
