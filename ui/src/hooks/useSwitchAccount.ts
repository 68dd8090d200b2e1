import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands } from '../ipc';
import { openConversation } from '../state/navigation';

export function useSwitchAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (label: string) => commands.switchAccount(label),
    onSuccess: () => {
      openConversation(null);
      return queryClient.resetQueries();
    },
  });
}
