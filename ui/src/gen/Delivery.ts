// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.

/**
 * Where a message stands on its way to the server.
 */
export type Delivery = { "state": "sent" } | { "state": "pending" } | { "state": "failed", reason: string, };
