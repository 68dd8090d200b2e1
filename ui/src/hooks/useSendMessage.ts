import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from '../queries/keys';

/** Queues a message in the durable outbox; the pending copy shows up via the refetch. */
export function useSendMessage(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ body, replyTo }: { body: string; replyTo: string | null }) =>
      commands.sendMessage(conversationId, body, replyTo),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: keys.conversations });
      return queryClient.invalidateQueries({ queryKey: keys.messages(conversationId) });
    },
  });
}
