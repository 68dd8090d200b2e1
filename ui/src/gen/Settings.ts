// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.
import type { Theme } from "./Theme";

export type Settings = { 
/**
 * Closing the window hides it to the tray instead of quitting.
 */
close_to_tray: boolean, theme: Theme, 
/**
 * The account shown at start-up (`username@host`).
 */
active_account: string | null, 
/**
 * How much the downloaded files of each account may take (MiB); the least recently
 * opened go first beyond it.
 */
downloads_cap_mb: number, };
