-- Version 7: "Mark as unread", a member's own flag on a conversation (PRODUCT.md §4
-- "Unread"): shown as unread until they open it; the read marker never moves back.
ALTER TABLE members ADD COLUMN marked_unread INTEGER NOT NULL DEFAULT 0 CHECK (marked_unread IN (0, 1));
