import { createStore, useStore } from './createStore';
import { openConversation, selectedConversationStore } from './navigation';

/** A message to bring into view: from a reply's quote, a search result or a notification. */
export interface JumpTarget {
  conversationId: string;
  messageId: string;
  /** Its `seq` when known (search results, notifications): older pages load until it is in. */
  seq: number | null;
  /** Set once the list has shown it: it stays the current message (`aria-current`). */
  landed?: boolean;
}

/** The pending jump; the message list takes it once the message is loaded and shown. */
export const jumpStore = createStore<JumpTarget | null>(null);

export function useJumpTarget(): JumpTarget | null {
  return useStore(jumpStore);
}

/** Opens the message's conversation and scrolls to the message, loading older history as needed. */
export function jumpToMessage(target: JumpTarget): void {
  jumpStore.set(target);
  openConversation(target.conversationId);
}

// Opening another conversation ends the last jump's "current" mark.
selectedConversationStore.subscribe(() => {
  const t = jumpStore.get();
  if (t?.landed && t.conversationId !== selectedConversationStore.get()) jumpStore.set(null);
});
