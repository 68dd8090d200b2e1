// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.

/**
 * The state of an outbox entry.
 */
export type OutboxState = { "state": "pending" } | { "state": "failed", reason: string, };
