// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { ConversationId } from "./ConversationId";
import type { MessageId } from "./MessageId";
import type { OutboxState } from "./OutboxState";
import type { StagedAttachment } from "./StagedAttachment";

/**
 * A message composed on this device that the server has not acknowledged yet.
 */
export type OutboxEntry = { client_id: string, conversation_id: ConversationId, body: string, reply_to: MessageId | null, created_at: string, state: OutboxState, 
/**
 * Send attempts so far (for backoff).
 */
attempts: number, 
/**
 * Do not try again before this; `None`: as soon as possible.
 */
next_attempt_at: string | null, 
/**
 * The files going with it, in order.
 */
attachments: Array<StagedAttachment>, };
