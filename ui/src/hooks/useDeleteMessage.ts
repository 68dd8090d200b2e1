import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from '../queries/keys';

export function useDeleteMessage(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (messageId: string) => commands.deleteMessage(conversationId, messageId),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.messages(conversationId) }),
  });
}
