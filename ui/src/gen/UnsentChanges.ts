// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.

/**
 * What of a message's changes is still on its way to the server.
 */
export type UnsentChanges = { 
/**
 * An edit (the text shown is the new one).
 */
edit: boolean, 
/**
 * Its deletion (it shows as deleted already).
 */
delete: boolean, 
/**
 * The emoji of the account's reactions added or taken back.
 */
reactions: Array<string>, };
