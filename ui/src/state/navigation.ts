import { createStore, useStore } from './createStore';

/** Which conversation is open. A store (not router state) so a notification click can set it. */
export const selectedConversationStore = createStore<string | null>(null);

export function useSelectedConversation(): string | null {
  return useStore(selectedConversationStore);
}

export function openConversation(id: string | null): void {
  selectedConversationStore.set(id);
}
