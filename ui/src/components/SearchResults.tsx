import { useQuery } from '@tanstack/react-query';
import { errorMessage, type Message } from '../ipc';
import { conversationsOptions } from '../queries/conversations';
import { searchOptions } from '../queries/search';
import { formatFull, formatListTime } from '../lib/format';
import { openConversation } from '../state/navigation';
import { ConversationPeople } from './ConversationPeople';
import { SenderName } from './SenderName';

/** Full-text message search results (local cache, works offline), each with its sender. */
export function SearchResults({ query, onClose }: { query: string; onClose: () => void }) {
  const results = useQuery(searchOptions(query));
  const titles = useQuery(conversationsOptions()).data;
  const titleOf = (m: Message) =>
    titles?.find((c) => c.conversation.id === m.conversation_id)?.display_title ?? 'Conversation';

  return (
    <section className="search-results" aria-label={`Search results for ${query}`}>
      <div className="search-results-header">
        <span>Results for “{query}”</span>
        <button type="button" className="link-button" onClick={onClose}>Clear</button>
      </div>
      {results.isPending && <p className="muted pad">Searching…</p>}
      {results.isError && <p className="form-error pad" role="alert">{errorMessage(results.error)}</p>}
      {results.data?.length === 0 && <p className="muted pad">No messages found.</p>}
      {results.data && results.data.length > 0 && (
        <ul role="list" className="conv-list">
          {results.data.map((m) => (
            <li key={m.id} role="listitem">
              <button type="button" className="conv-button result" onClick={() => openConversation(m.conversation_id)}>
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
                  <span className="conv-preview multiline">{m.body}</span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
