// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { ErrorCode } from "./ErrorCode";

/**
 * What a command rejects with: a stable [`ErrorCode`] the UI switches on, and a message for
 * people. (The UI's `CommandError` class wraps this body, hence the TypeScript name.)
 */
export type CommandErrorBody = { code: ErrorCode, message: string, };
