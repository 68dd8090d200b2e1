-- Version 3: attachment bytes in the database, so every instance serves every file with no
-- shared filesystem. A file is written with all its chunks in one transaction.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size   BIGINT NOT NULL,
    chunks INTEGER NOT NULL
);
CREATE TABLE blob_chunks (
    sha256 TEXT NOT NULL REFERENCES blobs(sha256) ON DELETE CASCADE,
    n      INTEGER NOT NULL,
    data   BYTEA NOT NULL,           -- at most 1 MiB
    PRIMARY KEY (sha256, n)
);
