import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands, type ConversationKind } from '../ipc';
import { keys } from '../queries/keys';
import { openConversation } from '../state/navigation';

export function useCreateConversation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ kind, title, memberIds }: { kind: ConversationKind; title: string | null; memberIds: string[] }) =>
      commands.createConversation(kind, title, memberIds),
    onSuccess: async (id) => {
      await queryClient.invalidateQueries({ queryKey: keys.conversations });
      openConversation(id);
    },
  });
}
