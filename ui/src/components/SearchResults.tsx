import { useQuery } from '@tanstack/react-query';
import { Fragment } from 'react';
import { errorMessage, type Message } from '../ipc';
import { conversationsOptions } from '../queries/conversations';
import { searchOptions, serverSearchOptions } from '../queries/search';
import { formatFull, formatListTime } from '../lib/format';
import { markMatches, mergeResults, searchTerms } from '../lib/searchMarks';
import { useConnectionState } from '../state/connection';
import { jumpToMessage } from '../state/jump';
import type { SearchScope } from '../state/search';
import { ConversationPeople } from './ConversationPeople';
import { SenderName } from './SenderName';

/**
 * Message search: the local cache's results at once (offline too), the server's merged in
 * when online (history this device never fetched), newest first, matches marked. Choosing a
 * result opens its conversation at that message.
 */
export function SearchResults({ query, scope, onClose }: { query: string; scope: SearchScope | null; onClose: () => void }) {
  const conversationId = scope?.conversationId ?? null;
  const online = useConnectionState() === 'Online';
  const local = useQuery(searchOptions(query, conversationId));
  const server = useQuery(serverSearchOptions(query, conversationId, online));
  const titles = useQuery(conversationsOptions()).data;
  const titleOf = (m: Message) =>
    titles?.find((c) => c.conversation.id === m.conversation_id)?.display_title ?? 'Conversation';
  const results = local.data ? mergeResults(local.data, server.data) : null;
  const terms = searchTerms(query);
  const where = scope ? ` in ${scope.title}` : '';
  const note = !online ? 'Offline: messages on this device only.'
    : server.isPending ? 'Searching the server too…'
      : server.isError ? 'The server could not be searched: messages on this device only.' : null;

  return (
    <section className="search-results" aria-label={`Search results for ${query}${where}`}>
      <div className="search-results-header">
        <span>Results for “{query}”{where}</span>
        <button type="button" className="link-button" onClick={onClose}>Clear</button>
      </div>
      {local.isPending && <p className="muted pad">Searching…</p>}
      {local.isError && <p className="form-error pad" role="alert">{errorMessage(local.error)}</p>}
      {results && note && <p className="muted small search-note">{note}</p>}
      {results?.length === 0 && !(online && server.isPending) && <p className="muted pad">No messages found.</p>}
      {results && results.length > 0 && (
        <ul role="list" className="conv-list" aria-label="Search results">
          {results.map((m) => (
            <li key={m.id} role="listitem">
              <button type="button" className="conv-button result"
                onClick={() => jumpToMessage({ conversationId: m.conversation_id, messageId: m.id, seq: m.seq })}>
                <span className="conv-text">
                  <span className="conv-top">
                    <span className="conv-title">{titleOf(m)}</span>
                    <time className="conv-time" dateTime={m.created_at} title={formatFull(m.created_at)}>
                      {formatListTime(m.created_at)}
                    </time>
                  </span>
                  <ConversationPeople conversationId={m.conversation_id}>
                    <SenderName id={m.sender_id} className="result-sender" />
                  </ConversationPeople>
                  <span className="conv-preview multiline">
                    {markMatches(m.body, terms).map((p, i) => (
                      <Fragment key={i}>{p.match ? <mark>{p.text}</mark> : p.text}</Fragment>
                    ))}
                  </span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
