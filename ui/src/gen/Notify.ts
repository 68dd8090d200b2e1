// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.

/**
 * When a conversation may notify its member (their own setting).
 */
export type Notify = "all" | "mentions" | "none";
