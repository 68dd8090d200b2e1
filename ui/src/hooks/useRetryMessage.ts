import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from '../queries/keys';

export function useRetryMessage(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (clientId: string) => commands.retryMessage(clientId),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.messages(conversationId) }),
  });
}
