import { useMutation } from '@tanstack/react-query';
import { commands } from '../ipc';

/** Saves a copy of a file on this computer; `data` is the path it was saved at. */
export function useSaveAttachment() {
  return useMutation({ mutationFn: (attachmentId: string) => commands.saveAttachment(attachmentId) });
}
