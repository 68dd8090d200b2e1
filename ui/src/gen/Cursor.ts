// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.

/**
 * A position in the event stream. Opaque and ordered: pass it back as `since`.
 */
export type Cursor = string;
