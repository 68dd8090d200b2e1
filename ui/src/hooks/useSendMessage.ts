import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from '../queries/keys';

export interface Outgoing {
  body: string;
  replyTo: string | null;
  /** Files already copied into the engine's staging area (`stage_attachment`). */
  stagedIds: string[];
}

/** Queues a message in the durable outbox; the pending copy shows up via the refetch. */
export function useSendMessage(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ body, replyTo, stagedIds }: Outgoing) => commands.sendMessage(conversationId, body, replyTo, stagedIds),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: keys.conversations });
      return queryClient.invalidateQueries({ queryKey: keys.messages(conversationId) });
    },
  });
}
