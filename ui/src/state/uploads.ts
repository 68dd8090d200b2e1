import { createStore, useStore } from './createStore';

/** One file of a pending message on its way up. */
export interface UploadProgress {
  name: string;
  sent: number;
  total: number;
}

/** Per pending message (`client_id`), its files uploading now (by staged id). */
export const uploadsStore = createStore<Readonly<Record<string, Readonly<Record<string, UploadProgress>>>>>({});

export function uploadFromEvent(clientId: string, stagedId: string, progress: UploadProgress): void {
  uploadsStore.set((all) => ({ ...all, [clientId]: { ...all[clientId], [stagedId]: progress } }));
}

/** The message was sent, failed or was discarded: its uploads are over. */
export function uploadsDone(clientId: string): void {
  uploadsStore.set((all) => {
    if (!(clientId in all)) return all;
    const rest = { ...all };
    delete rest[clientId];
    return rest;
  });
}

const NONE: Readonly<Record<string, UploadProgress>> = {};

export function useUploads(clientId: string): Readonly<Record<string, UploadProgress>> {
  const all = useStore(uploadsStore);
  return all[clientId] ?? NONE;
}
