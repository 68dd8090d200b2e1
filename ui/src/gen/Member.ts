// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { Role } from "./Role";
import type { UserId } from "./UserId";

export type Member = { user_id: UserId, role: Role, 
/**
 * How far this member has read (their read marker), for "Seen"; `read.updated` moves it.
 */
last_read_seq: number, };
