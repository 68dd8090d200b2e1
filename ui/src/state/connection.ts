import type { ConnectionState } from '../ipc';
import { createStore, useStore } from './createStore';

/** The engine's connection state, fed by `state` events (and the first `session_state`). */
export const connectionStore = createStore<ConnectionState>('Connecting');

let heardFromEvents = false;

/** A `state` event: always the newest word. */
export function connectionFromEvent(state: ConnectionState): void {
  heardFromEvents = true;
  connectionStore.set(state);
}

/**
 * `session_state`'s snapshot, used only until the first `state` event: a snapshot fetched
 * before an event but answered after it would otherwise put an old state back (the status
 * then stuck at "Syncing…" while the engine was Online).
 */
export function connectionFromSnapshot(state: ConnectionState): void {
  if (!heardFromEvents) connectionStore.set(state);
}

/** Exactly the texts PRODUCT.md §4 pins for the `role="status"` element. */
export const CONNECTION_TEXT: Record<ConnectionState, string> = {
  Online: 'Online',
  Connecting: 'Connecting…',
  Offline: 'Offline',
  Syncing: 'Syncing…',
};

export function useConnectionState(): ConnectionState {
  return useStore(connectionStore);
}
