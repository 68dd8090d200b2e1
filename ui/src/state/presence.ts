import { createStore, useStore } from './createStore';

/** What the server last said of someone: online now, or when they were last seen. */
export interface PresenceState {
  online: boolean;
  lastSeenAt: string | null;
}

type PresenceMap = Readonly<Record<string, PresenceState>>;

/** user id → presence, from `presence` frames (ephemeral: not cached, refreshed on connect). */
export const presenceStore = createStore<PresenceMap>({});

export function notePresence(userId: string, online: boolean, lastSeenAt: string | null): void {
  presenceStore.set((prev) => ({ ...prev, [userId]: { online, lastSeenAt } }));
}

/** Everyone is offline as far as we know once the connection is gone. */
export function forgetPresence(): void {
  presenceStore.set({});
}

export function usePresence(userId: string | null): PresenceState | null {
  const all = useStore(presenceStore);
  return userId ? all[userId] ?? null : null;
}
