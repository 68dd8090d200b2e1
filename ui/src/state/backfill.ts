import { createStore, useStore } from './createStore';

/** First sign-in on this device: how many conversations are loaded, out of how many. */
export interface BackfillProgress {
  done: number;
  total: number;
}

export const backfillStore = createStore<BackfillProgress | null>(null);

/** A `backfill` event; the last one (done = total) ends it. */
export function backfillFromEvent(done: number, total: number): void {
  backfillStore.set(done >= total ? null : { done, total });
}

export function useBackfill(): BackfillProgress | null {
  return useStore(backfillStore);
}
