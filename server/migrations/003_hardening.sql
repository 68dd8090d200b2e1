-- Version 3: what the hardening pass needs to find quickly.
-- Recently revoked sessions: a running server polls these to close the sockets of sessions
-- revoked by another process (`parley-server admin`).
CREATE INDEX sessions_by_revoked ON sessions(revoked_at) WHERE revoked_at IS NOT NULL;
-- Attachments per uploader: the quota sums them, the sweep finds the never-attached.
CREATE INDEX attachments_by_uploader ON attachments(uploader_id, created_at);
-- Idempotent uploads: one attachment per (uploader, client_id).
ALTER TABLE attachments ADD COLUMN client_id TEXT;
CREATE UNIQUE INDEX attachments_by_client_id ON attachments(uploader_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX attachments_by_sha256 ON attachments(sha256);
