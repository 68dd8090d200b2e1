import { queryOptions } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from './keys';

/** A sent image's small preview (bytes). An attachment never changes once sent. */
export const thumbnailOptions = (attachmentId: string) =>
  queryOptions({
    queryKey: keys.thumbnail(attachmentId),
    queryFn: () => commands.attachmentThumbnail(attachmentId),
    staleTime: Infinity,
  });
