import { useQuery } from '@tanstack/react-query';
import { useId, useState, type KeyboardEvent } from 'react';
import { jumpChoices } from '../lib/shortcuts';
import { conversationsOptions } from '../queries/conversations';
import { openConversation } from '../state/navigation';
import { Dialog } from './Dialog';

/**
 * `Ctrl+K`: the `Jump to conversation` dialog. Typing narrows the conversations by a fuzzy
 * match of their titles (unread ones first); arrows move, Enter opens, Escape closes.
 */
export function JumpDialog({ onClose }: { onClose: () => void }) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const list = useQuery(conversationsOptions());
  const choices = jumpChoices(list.data ?? [], query);
  const current = choices[Math.min(active, choices.length - 1)];
  const listId = useId();

  function open(id: string) {
    onClose();
    openConversation(id);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (choices.length === 0) return;
      const at = Math.min(active, choices.length - 1);
      setActive((at + (e.key === 'ArrowDown' ? 1 : choices.length - 1)) % choices.length);
    } else if (e.key === 'Enter' && current) {
      e.preventDefault();
      open(current.conversation.id);
    }
  }

  return (
    <Dialog title="Jump to conversation" onClose={onClose}>
      <input
        className="jump-input"
        role="combobox"
        aria-label="Conversation name"
        aria-expanded={choices.length > 0}
        aria-controls={listId}
        aria-activedescendant={current ? `${listId}-${current.conversation.id}` : undefined}
        aria-autocomplete="list"
        placeholder="Type a conversation's name"
        autoFocus
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      {choices.length === 0 ? (
        <p className="muted">{list.isPending ? 'Loading conversations…' : 'No conversation matches.'}</p>
      ) : (
        <ul className="jump-list" role="listbox" id={listId} aria-label="Conversations">
          {choices.map((c) => {
            const unread = c.conversation.unread_count;
            return (
              <li key={c.conversation.id} id={`${listId}-${c.conversation.id}`} role="option"
                aria-selected={c === current} className={c === current ? 'active' : undefined}
                onMouseDown={(e) => e.preventDefault()} onClick={() => open(c.conversation.id)}>
                <span className="jump-title">{c.display_title}</span>
                {unread > 0 && <span className="badge" aria-label={`${unread} unread`}>{unread}</span>}
                {unread === 0 && c.conversation.marked_unread && <span className="badge badge-dot" aria-label="Marked unread" />}
              </li>
            );
          })}
        </ul>
      )}
    </Dialog>
  );
}
