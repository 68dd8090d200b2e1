import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { conversationsOptions } from '../queries/conversations';
import { errorMessage } from '../ipc';
import { useMe } from '../hooks/useMe';
import { openConversation, useSelectedConversation } from '../state/navigation';
import { ConversationItem } from './ConversationItem';

export const LIST_PAINTED = 'parley:list-painted';

/** The conversations, newest activity first, filtered by title as the user types. */
export function ConversationList({ filter }: { filter: string }) {
  const list = useQuery(conversationsOptions());
  const selected = useSelectedConversation();
  const me = useMe();
  const painted = list.isSuccess;
  useEffect(() => {
    // A User Timing mark for the cold-start benchmark (e2e/bench_desktop.py): the first
    // time the cached list is on screen.
    if (painted && performance.getEntriesByName(LIST_PAINTED).length === 0) performance.mark(LIST_PAINTED);
  }, [painted]);
  if (list.isPending) return <p className="muted pad">Loading conversations…</p>;
  if (list.isError) return <p className="form-error pad" role="alert">{errorMessage(list.error)}</p>;
  const needle = filter.trim().toLocaleLowerCase();
  const shown = needle
    ? list.data.filter((c) => c.display_title.toLocaleLowerCase().includes(needle))
    : list.data;
  if (shown.length === 0) {
    return <p className="muted pad">{needle ? 'No conversation matches. Press Enter to search messages.' : 'No conversations yet.'}</p>;
  }
  return (
    <ul role="list" className="conv-list">
      {shown.map((c) => (
        <ConversationItem
          key={c.conversation.id}
          item={c}
          selected={c.conversation.id === selected}
          meId={me?.id ?? null}
          onOpen={openConversation}
        />
      ))}
    </ul>
  );
}
