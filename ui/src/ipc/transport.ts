import type { UiEvent } from './types';

/**
 * What the UI needs from its host: call a command, and subscribe to the event batches.
 * The real transport is Tauri (./tauri.ts); tests and the screenshot preview install a
 * fake one with `setTransport`, so everything above this seam runs unchanged.
 */
export interface Transport {
  invoke(name: string, args: Record<string, unknown> | undefined): Promise<unknown>;
  /** Resolves to the unsubscribe function once the host has registered the listener. */
  listen(handler: (batch: UiEvent[]) => void): Promise<() => void>;
}
