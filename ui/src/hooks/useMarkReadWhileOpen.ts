import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { CachedMessage } from '../ipc';
import { conversationsOptions } from '../queries/conversations';
import { newestSeq } from '../queries/messages';
import { useWindowFocused } from '../state/windowFocus';
import { useMarkRead } from './useMarkRead';

/**
 * Moves the read marker to the newest message while the conversation is open and the window
 * focused; opening a conversation marked unread clears the mark.
 */
export function useMarkReadWhileOpen(conversationId: string, list: CachedMessage[]): void {
  const focused = useWindowFocused();
  const own = useQuery({
    ...conversationsOptions(),
    select: (all) => all.find((c) => c.conversation.id === conversationId)?.conversation,
  }).data;
  const lastRead = own?.last_read_seq;
  const marked = own?.marked_unread ?? false;
  const { mutate } = useMarkRead();
  const seq = newestSeq(list);
  useEffect(() => {
    if (focused && lastRead !== undefined && (seq > lastRead || marked)) mutate({ conversationId, seq });
  }, [focused, lastRead, marked, seq, conversationId, mutate]);
}
