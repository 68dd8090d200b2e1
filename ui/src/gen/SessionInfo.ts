// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { SessionId } from "./SessionId";

/**
 * A session as listed by `GET /api/v1/sessions`: no tokens.
 */
export type SessionInfo = { session_id: SessionId, device_name: string | null, created_at: string, last_seen_at: string, 
/**
 * True for the session that made the request.
 */
current: boolean, };
