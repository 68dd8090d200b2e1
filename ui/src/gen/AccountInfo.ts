// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { UserId } from "./UserId";

export type AccountInfo = { 
/**
 * `username@host`, the key for `switch_account`.
 */
label: string, server: string, username: string, user_id: UserId, 
/**
 * Unread messages outside muted conversations (0 for an account not live).
 */
unread: number, };
