import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from '../queries/keys';

export function useDiscardMessage(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (clientId: string) => commands.discardMessage(clientId),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.messages(conversationId) }),
  });
}
