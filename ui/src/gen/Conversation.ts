// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { ConversationId } from "./ConversationId";
import type { ConversationKind } from "./ConversationKind";
import type { Member } from "./Member";
import type { Message } from "./Message";
import type { Notify } from "./Notify";

/**
 * A conversation as one member sees it: `unread_count`, `last_read_seq`, `mention_count`,
 * `notify`, `muted_until` and `marked_unread` are the caller's own. In `conversation.*` events (shared by
 * every member) they are the defaults (0, `all`, null).
 */
export type Conversation = { id: ConversationId, kind: ConversationKind, 
/**
 * Null for direct conversations.
 */
title: string | null, members: Array<Member>, created_at: string, last_message: Message | null, unread_count: number, last_read_seq: number, 
/**
 * Unread, non-deleted messages of others that mention the caller.
 */
mention_count: number, notify: Notify, muted_until: string | null, marked_unread: boolean, };
