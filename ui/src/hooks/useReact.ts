import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from '../queries/keys';

export function useReact(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ messageId, emoji, on }: { messageId: string; emoji: string; on: boolean }) =>
      commands.react(conversationId, messageId, emoji, on),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.messages(conversationId) }),
  });
}
