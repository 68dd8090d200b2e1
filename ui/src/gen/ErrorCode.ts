// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.

/**
 * What kind of failure it was, as the UI and scripts see it.
 */
export type ErrorCode = "offline" | "signed_out" | "not_signed_in" | "invalid" | "rejected" | "conflict" | "not_found" | "too_large" | "rate_limited" | "keyring" | "cache" | "unsafe_file" | "server_error" | "internal";
