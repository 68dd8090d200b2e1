import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from '../queries/keys';

export function useEditMessage(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ messageId, body }: { messageId: string; body: string }) =>
      commands.editMessage(conversationId, messageId, body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.messages(conversationId) }),
  });
}
