// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.

/**
 * A file picked to be sent, kept on this device until its message is acknowledged.
 */
export type StagedAttachment = { staged_id: string, 
/**
 * Sanitized: no directories, no control characters, at most 255 characters.
 */
name: string, 
/**
 * Bytes.
 */
size: number, content_type: string, };
