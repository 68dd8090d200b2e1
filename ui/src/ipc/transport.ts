import type { UiEvent } from './types';

/**
 * A command's arguments: named (camelCase, the usual case) or a raw body of bytes, which
 * Tauri hands to the command as `tauri::ipc::Request` without a JSON round trip (file uploads).
 */
export type InvokeBody = Record<string, unknown> | Uint8Array;

/** Extra request parts for raw-body commands: what would not fit in the bytes themselves. */
export interface InvokeOptions {
  headers: Record<string, string>;
}

/**
 * What the UI needs from its host: call a command, and subscribe to the event batches.
 * The real transport is Tauri (./tauri.ts); tests and the screenshot preview install a
 * fake one with `setTransport`, so everything above this seam runs unchanged.
 */
export interface Transport {
  invoke(name: string, args: InvokeBody | undefined, options?: InvokeOptions): Promise<unknown>;
  /** Resolves to the unsubscribe function once the host has registered the listener. */
  listen(handler: (batch: UiEvent[]) => void): Promise<() => void>;
}
