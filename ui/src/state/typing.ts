import { createStore, useStore } from './createStore';

/** How long a typing notice stays visible without a refresh. */
export const TYPING_TTL_MS = 6000;

/** conversation id → user id → when the notice expires (ms since epoch). */
type TypingMap = Readonly<Record<string, Readonly<Record<string, number>>>>;

export const typingStore = createStore<TypingMap>({});

/** Records a typing notice; it removes itself after `TYPING_TTL_MS` unless refreshed. */
export function noteTyping(conversationId: string, userId: string): void {
  const until = Date.now() + TYPING_TTL_MS;
  typingStore.set((prev) => ({ ...prev, [conversationId]: { ...prev[conversationId], [userId]: until } }));
  setTimeout(() => expire(conversationId, userId, until), TYPING_TTL_MS);
}

function expire(conversationId: string, userId: string, until: number): void {
  typingStore.set((prev) => {
    const users = prev[conversationId];
    if (users?.[userId] !== until) return prev; // refreshed since
    const rest = { ...users };
    delete rest[userId];
    return { ...prev, [conversationId]: rest };
  });
}

/**
 * A message from `userId` arrived: they stopped typing — unless their latest notice came
 * after the message was sent (they are typing the next one).
 */
export function messageArrived(conversationId: string, userId: string, sentAt: number): void {
  typingStore.set((prev) => {
    const until = prev[conversationId]?.[userId];
    if (until === undefined || until - TYPING_TTL_MS > sentAt) return prev;
    const rest = { ...prev[conversationId] };
    delete rest[userId];
    return { ...prev, [conversationId]: rest };
  });
}

const NONE: readonly string[] = [];

/** Users currently typing in a conversation, except `exclude` (oneself). */
export function useTypingUsers(conversationId: string, exclude: string | null): readonly string[] {
  const users = useStore(typingStore)[conversationId];
  if (!users) return NONE;
  return Object.keys(users).filter((id) => id !== exclude);
}
