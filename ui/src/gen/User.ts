// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { UserId } from "./UserId";

export type User = { id: UserId, 
/**
 * Lower case, 3–32 of `a-z 0-9 _ . -`.
 */
username: string, display_name: string, created_at: string, };
