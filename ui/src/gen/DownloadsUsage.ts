// Generated from the Rust types by ts-rs. Do not edit: run `UPDATE_TS_BINDINGS=1 cargo test -p parley-desktop ts_bindings`.

/**
 * What the downloaded files take.
 */
export type DownloadsUsage = { bytes: number, files: number, };
