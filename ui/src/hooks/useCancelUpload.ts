import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from '../queries/keys';
import { uploadsDone } from '../state/uploads';

/** `Cancel upload`: the engine stops the upload and discards the pending message. */
export function useCancelUpload(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (clientId: string) => commands.cancelUpload(clientId),
    onSuccess: (_removed, clientId) => uploadsDone(clientId),
    onSettled: () => Promise.all([
      queryClient.invalidateQueries({ queryKey: keys.messages(conversationId) }),
      queryClient.invalidateQueries({ queryKey: keys.conversations }),
    ]),
  });
}
