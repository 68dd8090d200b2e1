// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { AccountInfo } from "./AccountInfo";
import type { ConnectionState } from "./ConnectionState";
import type { User } from "./User";

export type SessionState = { accounts: Array<AccountInfo>, active: string | null, connection: ConnectionState, user: User | null, };
