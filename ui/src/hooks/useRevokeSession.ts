import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from '../queries/keys';

export function useRevokeSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (sessionId: string) => commands.revokeSession(sessionId),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.sessions }),
  });
}
