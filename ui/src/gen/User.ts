// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { UserId } from "./UserId";

export type User = { id: UserId, 
/**
 * Lower case, 3–32 of `a-z 0-9 _ . -`.
 */
username: string, display_name: string, created_at: string, 
/**
 * When they were last online; null while unknown, and always for someone who hides it.
 */
last_seen_at: string | null, 
/**
 * Whether others may see when they are online (`PATCH /api/v1/me`).
 */
show_presence: boolean, };
