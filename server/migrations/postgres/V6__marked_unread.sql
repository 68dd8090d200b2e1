-- Version 6: "Mark as unread", as SQLite's 007_marked_unread.sql.
ALTER TABLE members ADD COLUMN marked_unread BOOLEAN NOT NULL DEFAULT false;
