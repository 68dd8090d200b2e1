// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { AttachmentId } from "./AttachmentId";

export type Attachment = { id: AttachmentId, size: number, content_type: string, 
/**
 * Hex-encoded SHA-256 of the content.
 */
sha256: string, name: string, };
