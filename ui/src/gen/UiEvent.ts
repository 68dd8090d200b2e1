// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { AppliedSummary } from "./AppliedSummary";
import type { ConnectionState } from "./ConnectionState";
import type { ConversationId } from "./ConversationId";
import type { Delivery } from "./Delivery";
import type { MessageId } from "./MessageId";
import type { UserId } from "./UserId";

export type UiEvent = { "type": "state", state: ConnectionState, } | { "type": "applied", summary: AppliedSummary, } | { "type": "outbox", client_id: string, conversation_id: ConversationId, delivery: Delivery, } | { "type": "typing", conversation_id: ConversationId, user_id: UserId, } | { "type": "presence", user_id: UserId, online: boolean, last_seen_at: string | null, } | { "type": "progress", applied: number, } | { "type": "backfill", done: number, total: number, } | { "type": "upload", client_id: string, conversation_id: ConversationId, staged_id: string, name: string, sent: number, total: number, } | { "type": "open_conversation", conversation_id: ConversationId, message_id: MessageId | null, seq: number | null, } | { "type": "account", active: string | null, } | { "type": "other_accounts" };
