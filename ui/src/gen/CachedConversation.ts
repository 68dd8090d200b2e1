// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { Conversation } from "./Conversation";

/**
 * One conversation as the list shows it.
 *
 * `conversation` is in wire shape, with the local view of the per-user fields:
 * `last_message` is the newest cached message, `unread_count` / `last_read_seq` are the last
 * values the server sent for this account, adjusted by the events applied since.
 */
export type CachedConversation = { conversation: Conversation, 
/**
 * The group title, or for a direct conversation the other member's display name
 * (their username, or their id, when their profile is not cached).
 */
display_title: string, 
/**
 * True once the account left or was removed: hidden from [`Cache::conversations`], but
 * its messages stay readable.
 *
 * [`Cache::conversations`]: super::Cache::conversations
 */
left: boolean, 
/**
 * The newest of: creation, the last cached message, the last message composed here.
 * [`Cache::conversations`](super::Cache::conversations) sorts on it, newest first.
 */
activity_at: string, };
