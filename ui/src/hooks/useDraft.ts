import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef } from 'react';
import { commands } from '../ipc';
import { draftOptions } from '../queries/draft';
import { keys } from '../queries/keys';

export const DRAFT_DEBOUNCE_MS = 400;

/**
 * The saved draft of a conversation plus a debounced saver. A pending save is flushed when
 * the conversation changes or the composer unmounts, so switching chats never loses text.
 */
export function useDraft(conversationId: string) {
  const queryClient = useQueryClient();
  const draft = useQuery(draftOptions(conversationId));
  const pending = useRef<{ id: string; text: string; timer: number } | null>(null);

  const flush = useCallback(() => {
    const p = pending.current;
    if (!p) return;
    window.clearTimeout(p.timer);
    pending.current = null;
    commands.setDraft(p.id, p.text).catch((err: unknown) => console.warn('parley: draft not saved', err));
  }, []);

  const save = useCallback(
    (text: string) => {
      if (pending.current) window.clearTimeout(pending.current.timer);
      queryClient.setQueryData(keys.draft(conversationId), text);
      pending.current = { id: conversationId, text, timer: window.setTimeout(flush, DRAFT_DEBOUNCE_MS) };
    },
    [conversationId, flush, queryClient],
  );

  useEffect(() => flush, [conversationId, flush]);

  return { draft: draft.data, loaded: draft.isSuccess || draft.isError, save, flush };
}
