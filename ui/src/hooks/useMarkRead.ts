import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands, type CachedConversation } from '../ipc';
import { keys } from '../queries/keys';

/** Moves the read marker and clears the unread badge at once (the engine confirms later). */
export function useMarkRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ conversationId, seq }: { conversationId: string; seq: number }) =>
      commands.markRead(conversationId, seq),
    onMutate: ({ conversationId, seq }) => {
      queryClient.setQueryData<CachedConversation[]>(keys.conversations, (list) =>
        list?.map((c) =>
          c.conversation.id === conversationId
            ? {
                ...c,
                conversation: {
                  ...c.conversation,
                  unread_count: 0,
                  last_read_seq: Math.max(seq, c.conversation.last_read_seq),
                },
              }
            : c,
        ),
      );
    },
  });
}
