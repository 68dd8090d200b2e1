// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { ConversationId } from "./ConversationId";
import type { ConversationKind } from "./ConversationKind";
import type { Member } from "./Member";
import type { Message } from "./Message";

/**
 * A conversation as one member sees it: `unread_count` and `last_read_seq` are the
 * caller's own. In `conversation.*` events (shared by every member) both are 0.
 */
export type Conversation = { id: ConversationId, kind: ConversationKind, 
/**
 * Null for direct conversations.
 */
title: string | null, members: Array<Member>, created_at: string, last_message: Message | null, unread_count: number, last_read_seq: number, };
