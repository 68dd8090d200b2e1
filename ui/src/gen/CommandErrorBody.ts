// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.

/**
 * What a command rejects with. (The UI's `CommandError` class wraps this body, hence the
 * TypeScript name.)
 */
export type CommandErrorBody = { code: string, message: string, };
