import { queryOptions } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from './keys';

/**
 * A sent image's small preview (bytes). An attachment never changes once sent; once its row
 * has scrolled away the bytes go after a minute (the engine keeps them on disk).
 */
export const thumbnailOptions = (attachmentId: string) =>
  queryOptions({
    queryKey: keys.thumbnail(attachmentId),
    queryFn: () => commands.attachmentThumbnail(attachmentId),
    staleTime: Infinity,
    gcTime: 60_000,
  });

/** A picture's full bytes, for the `Image viewer`; let go soon after it closes (they are big). */
export const imageOptions = (attachmentId: string) =>
  queryOptions({
    queryKey: keys.image(attachmentId),
    queryFn: () => commands.attachmentImage(attachmentId),
    staleTime: Infinity,
    gcTime: 30_000,
  });
