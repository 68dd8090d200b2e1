// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { Delivery } from "./Delivery";
import type { Message } from "./Message";
import type { UnsentChanges } from "./UnsentChanges";

/**
 * One message as the UI shows it.
 *
 * For a message still in the outbox (`delivery` is not `Sent`) the wire fields are filled in
 * locally: `id` is `local:<client_id>`, `seq` is 0, `sender_id` is the account's own user
 * (empty if the cache was never told who that is), `created_at` is when it was composed.
 */
export type CachedMessage = { message: Message, delivery: Delivery, 
/**
 * Changes made to this (sent) message on this device that the server has not
 * acknowledged yet; `message` already shows them. Absent when there are none.
 */
unsent?: UnsentChanges, };
