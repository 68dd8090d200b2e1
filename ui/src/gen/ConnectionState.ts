// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.

/**
 * The one connection-state value a UI shows.
 */
export type ConnectionState = "Online" | "Connecting" | "Offline" | "Syncing";
