import type { QueryClient } from '@tanstack/react-query';
import type { UiEvent } from '../ipc';
import { backfillFromEvent } from '../state/backfill';
import { connectionFromEvent } from '../state/connection';
import { openConversation } from '../state/navigation';
import { clearTrays } from '../state/staging';
import { noteTyping } from '../state/typing';
import { keys } from './keys';

/**
 * Applies one `parley://events` batch to the UI: connection state and typing go to their
 * stores, data changes invalidate exactly the queries they touch — each at most once per
 * batch, however many events the batch holds (a catch-up sync arrives as one big batch).
 */
export function applyUiEvents(queryClient: QueryClient, batch: UiEvent[]): void {
  const touched = new Set<string>();
  let conversations = false;
  let accountChanged = false;
  for (const event of batch) {
    switch (event.type) {
      case 'state':
        connectionFromEvent(event.state);
        break;
      case 'applied': {
        const s = event.summary;
        conversations = true;
        [...s.conversations, ...Object.keys(s.messages), ...s.refetch].forEach((id) => touched.add(id));
        break;
      }
      case 'outbox':
        conversations = true;
        touched.add(event.conversation_id);
        break;
      case 'typing':
        noteTyping(event.conversation_id, event.user_id);
        break;
      case 'account':
        accountChanged = true;
        break;
      case 'open_conversation':
        openConversation(event.conversation_id);
        break;
      case 'backfill':
        backfillFromEvent(event.done, event.total);
        break;
      case 'progress':
        break;
    }
  }
  if (accountChanged) {
    // Everything cached belongs to the previous account.
    openConversation(null);
    clearTrays();
    void queryClient.resetQueries();
    return;
  }
  if (conversations) void queryClient.invalidateQueries({ queryKey: keys.conversations });
  touched.forEach((id) => void queryClient.invalidateQueries({ queryKey: keys.messages(id) }));
}
