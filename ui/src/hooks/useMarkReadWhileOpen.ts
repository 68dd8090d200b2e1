import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { CachedMessage } from '../ipc';
import { conversationsOptions } from '../queries/conversations';
import { newestSeq } from '../queries/messages';
import { useWindowFocused } from '../state/windowFocus';
import { useMarkRead } from './useMarkRead';

/** Moves the read marker to the newest message while the conversation is open and the window focused. */
export function useMarkReadWhileOpen(conversationId: string, list: CachedMessage[]): void {
  const focused = useWindowFocused();
  const lastRead = useQuery({
    ...conversationsOptions(),
    select: (all) => all.find((c) => c.conversation.id === conversationId)?.conversation.last_read_seq ?? 0,
  }).data;
  const { mutate } = useMarkRead();
  const seq = newestSeq(list);
  useEffect(() => {
    if (focused && lastRead !== undefined && seq > lastRead) mutate({ conversationId, seq });
  }, [focused, lastRead, seq, conversationId, mutate]);
}
