import type { StagedAttachment } from '../ipc';
import { createStore, useStore } from './createStore';

/**
 * Files waiting in the composer, per conversation, held in memory only (the engine keeps the
 * bytes in its staging area; a restart starts with an empty tray). A chip is in the tray from
 * the moment the file is picked; `staged` is null until `stage_attachment` has answered.
 */
export interface Chip {
  key: string;
  name: string;
  size: number;
  staged: StagedAttachment | null;
}

export interface Tray {
  chips: readonly Chip[];
  /** Why files could not be added, shown above the message box until dismissed or sent. */
  errors: readonly string[];
}

const EMPTY: Tray = { chips: [], errors: [] };

export const stagingStore = createStore<Readonly<Record<string, Tray>>>({});

export function trayOf(conversationId: string): Tray {
  return stagingStore.get()[conversationId] ?? EMPTY;
}

export function updateTray(conversationId: string, change: (tray: Tray) => Tray): void {
  stagingStore.set((all) => ({ ...all, [conversationId]: change(all[conversationId] ?? EMPTY) }));
}

export function useTray(conversationId: string): Tray {
  return useStore(stagingStore)[conversationId] ?? EMPTY;
}

/** Forget every tray (another account's staged ids mean nothing to the new one). */
export function clearTrays(): void {
  stagingStore.set({});
}
