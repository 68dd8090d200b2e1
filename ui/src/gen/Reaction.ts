// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { UserId } from "./UserId";

export type Reaction = { emoji: string, count: number, user_ids: Array<UserId>, };
