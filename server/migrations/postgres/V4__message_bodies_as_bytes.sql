-- Version 4: message bodies are stored byte for byte (PRODUCT.md §2), and a body may hold
-- U+0000, which PostgreSQL's text cannot: bytes (valid UTF-8, checked by the server) instead.
ALTER TABLE messages ALTER COLUMN body TYPE BYTEA USING convert_to(body, 'UTF8');
