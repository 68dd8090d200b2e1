import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands, type CachedConversation } from '../ipc';
import { keys } from '../queries/keys';

function patch(
  queryClient: ReturnType<typeof useQueryClient>,
  conversationId: string,
  change: (c: CachedConversation['conversation']) => Partial<CachedConversation['conversation']>,
) {
  queryClient.setQueryData<CachedConversation[]>(keys.conversations, (list) =>
    list?.map((c) =>
      c.conversation.id === conversationId ? { ...c, conversation: { ...c.conversation, ...change(c.conversation) } } : c,
    ),
  );
}

/** "Mark as unread" (`on`) or clear it; the list shows it at once. */
export function useMarkUnread() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ conversationId, on }: { conversationId: string; on: boolean }) => commands.markUnread(conversationId, on),
    onMutate: ({ conversationId, on }) => patch(queryClient, conversationId, () => ({ marked_unread: on })),
  });
}

/**
 * Moves the read marker (and clears "Mark as unread") and the unread badge at once; the
 * engine applies it to the cache at once too, and sends it when the server answers.
 */
export function useMarkRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ conversationId, seq }: { conversationId: string; seq: number }) =>
      commands.markRead(conversationId, seq),
    onMutate: ({ conversationId, seq }) =>
      patch(queryClient, conversationId, (c) => ({
        unread_count: 0,
        mention_count: 0,
        marked_unread: false,
        last_read_seq: Math.max(seq, c.last_read_seq),
      })),
  });
}
