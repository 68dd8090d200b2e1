// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.

export type Role = "admin" | "member";
