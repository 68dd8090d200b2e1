// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { ConversationId } from "./ConversationId";
import type { Cursor } from "./Cursor";
import type { MessageId } from "./MessageId";

/**
 * What [`Cache::apply_events`](super::Cache::apply_events) changed, so a UI can patch itself
 * instead of reloading. Empty when the batch was already applied.
 */
export type AppliedSummary = { 
/**
 * Conversations whose list row changed: title, members, unread count, last message, left.
 */
conversations: Array<ConversationId>, 
/**
 * Messages created or changed, by conversation.
 */
messages: { [key in ConversationId]: Array<MessageId> }, 
/**
 * Conversations where some member's read marker moved (for "seen by").
 */
read_markers: Array<ConversationId>, 
/**
 * Conversations the cache first heard of through an event, or cannot fully describe from
 * events alone: fetch `GET /conversations/{id}` and pass it to `upsert_conversation`
 * (events carry no per-user unread count or read marker).
 */
refetch: Array<ConversationId>, 
/**
 * The cursor stored with this batch (the last event's), if the batch was not empty.
 */
cursor: Cursor | null, };
