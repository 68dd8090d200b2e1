import { useMutation } from '@tanstack/react-query';
import { commands } from '../ipc';

/** Opens a received or sent file with the system's default app. */
export function useOpenAttachment() {
  return useMutation({ mutationFn: (attachmentId: string) => commands.openAttachment(attachmentId) });
}
