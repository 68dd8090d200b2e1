import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands } from '../ipc';
import { openConversation } from '../state/navigation';

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: commands.signOut,
    onSuccess: () => {
      openConversation(null);
      return queryClient.resetQueries();
    },
  });
}
