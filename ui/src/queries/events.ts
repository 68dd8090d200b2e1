import type { QueryClient } from '@tanstack/react-query';
import type { UiEvent } from '../ipc';
import { backfillFromEvent } from '../state/backfill';
import { connectionFromEvent } from '../state/connection';
import { jumpToMessage } from '../state/jump';
import { openConversation } from '../state/navigation';
import { clearTrays } from '../state/staging';
import { forgetPresence, notePresence } from '../state/presence';
import { noteTyping } from '../state/typing';
import { uploadFromEvent, uploadsDone } from '../state/uploads';
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
  let profiles = false;
  let otherAccounts = false;
  for (const event of batch) {
    switch (event.type) {
      case 'state':
        connectionFromEvent(event.state);
        // Presence is only known while connected (a new socket hears it all again).
        if (event.state === 'Offline' || event.state === 'Connecting') forgetPresence();
        break;
      case 'applied': {
        const s = event.summary;
        conversations = true;
        // A changed conversation may mean newly learned profiles (names instead of ids).
        if (s.conversations.length > 0) profiles = true;
        [...s.conversations, ...Object.keys(s.messages), ...s.refetch].forEach((id) => touched.add(id));
        break;
      }
      case 'upload':
        uploadFromEvent(event.client_id, event.staged_id, { name: event.name, sent: event.sent, total: event.total });
        break;
      case 'outbox':
        uploadsDone(event.client_id);
        conversations = true;
        touched.add(event.conversation_id);
        break;
      case 'typing':
        noteTyping(event.conversation_id, event.user_id);
        break;
      case 'presence':
        notePresence(event.user_id, event.online, event.last_seen_at);
        break;
      case 'account':
        accountChanged = true;
        break;
      case 'open_conversation':
        if (event.message_id) {
          jumpToMessage({ conversationId: event.conversation_id, messageId: event.message_id, seq: event.seq });
        } else {
          openConversation(event.conversation_id);
        }
        break;
      case 'backfill':
        backfillFromEvent(event.done, event.total);
        break;
      case 'other_accounts':
        otherAccounts = true;
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
  const refetch = (queryKey: readonly unknown[]) => refetchFresh(queryClient, queryKey);
  if (otherAccounts) refetch(keys.session);
  if (conversations) refetch(keys.conversations);
  if (profiles) refetch(['user']);
  touched.forEach((id) => refetchMessages(queryClient, id));
}

/**
 * A conversation's messages: re-read when on screen; otherwise only marked stale, so they are
 * re-read when it opens again. (Re-reading every loaded page of each conversation a message
 * touches costs an IPC read per page and keeps them all in memory: each read restarts the
 * query's garbage-collection clock.)
 */
function refetchMessages(queryClient: QueryClient, conversationId: string): void {
  const queryKey = keys.messages(conversationId);
  const query = queryClient.getQueryCache().find({ queryKey, exact: true });
  if (query && !query.isActive()) {
    void queryClient.invalidateQueries({ queryKey, exact: true, refetchType: 'none' });
    return;
  }
  refetchFresh(queryClient, queryKey);
}

/**
 * Invalidates and re-reads `queryKey`, making sure the answer reflects this change. TanStack
 * Query doesn't restart a *first* load already in flight (it has no data to keep, so
 * `cancelRefetch` doesn't apply): that load, which may have read the cache just before the
 * change, would land as fresh and — with `staleTime: Infinity` — stay (a first sign-in showed
 * a conversation titled by an id after its owner's name had arrived). Such loads are
 * cancelled first. `refetchType: 'all'` also re-reads queries no component watches right now.
 */
function refetchFresh(queryClient: QueryClient, queryKey: readonly unknown[]): void {
  const firstLoadInFlight = queryClient
    .getQueryCache()
    .findAll({ queryKey })
    .some((q) => q.state.fetchStatus === 'fetching' && q.state.data === undefined);
  const invalidate = () => queryClient.invalidateQueries({ queryKey, refetchType: 'all' });
  if (firstLoadInFlight) {
    void queryClient.cancelQueries({ queryKey }).then(invalidate);
  } else {
    void invalidate();
  }
}
