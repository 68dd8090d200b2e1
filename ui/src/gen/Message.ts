// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { Attachment } from "./Attachment";
import type { ConversationId } from "./ConversationId";
import type { MessageId } from "./MessageId";
import type { Reaction } from "./Reaction";
import type { UserId } from "./UserId";

/**
 * One message. A deleted message keeps `id` and `seq`, has `deleted: true`, an empty
 * `body`, and no reactions or attachments.
 */
export type Message = { id: MessageId, conversation_id: ConversationId, sender_id: UserId, client_id: string, 
/**
 * 1, 2, 3, … per conversation, without gaps.
 */
seq: number, body: string, reply_to: MessageId | null, created_at: string, edited_at: string | null, deleted: boolean, reactions: Array<Reaction>, attachments: Array<Attachment>, 
/**
 * The members its body names as `@username` (see [`crate::mentions`]).
 */
mentions: Array<UserId>, };
