import { createStore, useStore } from './createStore';

/** The picture the `Image viewer` shows (one of the open conversation's). */
export interface ViewerTarget {
  conversationId: string;
  attachmentId: string;
}

export const viewerStore = createStore<ViewerTarget | null>(null);

export function useViewer(): ViewerTarget | null {
  return useStore(viewerStore);
}

export function openViewer(target: ViewerTarget | null): void {
  viewerStore.set(target);
}
