import type { ConnectionState } from '../ipc';
import { createStore, useStore } from './createStore';

/** The engine's connection state, fed by `state` events (and the first `session_state`). */
export const connectionStore = createStore<ConnectionState>('Connecting');

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
