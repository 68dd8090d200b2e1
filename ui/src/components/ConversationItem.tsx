import { useId, useRef, useState } from 'react';
import type { CachedConversation } from '../ipc';
import { useMarkRead, useMarkUnread } from '../hooks/useMarkRead';
import { usePeople } from '../hooks/usePeople';
import { openConversation } from '../state/navigation';
import { formatFull, formatListTime } from '../lib/format';
import { plainText, useFormatting } from '../lib/formatting';
import { directPeerHandle } from '../lib/personLabel';
import { Avatar } from './Avatar';
import { ConversationMenu } from './ConversationMenu';
import { isMuted } from './ConversationDetails';
import { Icon } from './Icon';
import { Handle } from './SenderName';

const NONE: readonly string[] = [];

/** The last message in one line, its formatting shown as text would be (no `**` or `>`). */
function usePreview(c: CachedConversation, meId: string | null): string {
  const m = c.conversation.last_message;
  const shown = m && !m.deleted ? m.body : '';
  const blocks = useFormatting(shown);
  if (!m) return c.conversation.kind === 'group' ? 'New group' : 'No messages yet';
  if (m.deleted) return 'Message deleted';
  const body = blocks ? plainText(blocks) : shown;
  const text = body.replace(/\s+/g, ' ').trim() || (m.attachments.length ? 'Attachment' : '');
  return m.sender_id === meId ? `You: ${text}` : text;
}

/**
 * One row of the conversation list. The title comes first in the DOM (the avatar is hidden
 * from assistive tech), so the row's accessible name starts with it, as PRODUCT.md §4 needs;
 * a direct conversation's other member's `@username` follows the title when it could mislead.
 * Its menu (right click, the Menu key, Shift+F10, or the `Actions for TITLE` button) marks it
 * unread or read.
 */
export function ConversationItem({ item, selected, meId, onOpen }: {
  item: CachedConversation;
  selected: boolean;
  meId: string | null;
  onOpen: (id: string) => void;
}) {
  const id = useId();
  const c = item.conversation;
  const unread = c.unread_count;
  const direct = c.kind === 'direct';
  const people = usePeople(direct ? c.members.map((m) => m.user_id) : NONE);
  const handle = direct ? directPeerHandle(people, meId) : null;
  const at = c.last_message?.created_at ?? item.activity_at;
  const muted = isMuted(c.muted_until);
  const preview = usePreview(item, meId);
  const [menu, setMenu] = useState(false);
  const row = useRef<HTMLButtonElement>(null);
  const markUnread = useMarkUnread();
  const markRead = useMarkRead();
  const looksUnread = unread > 0 || c.marked_unread;
  const actions = [
    looksUnread
      ? { label: 'Mark as read', run: () => markRead.mutate({ conversationId: c.id, seq: c.last_message?.seq ?? c.last_read_seq }) }
      : {
          label: 'Mark as unread',
          run: () => {
            markUnread.mutate({ conversationId: c.id, on: true });
            // Left open, it would be read again at once.
            if (selected) openConversation(null);
          },
        },
  ];
  const classes = ['conv-item', selected && 'selected', muted && 'muted-conversation', menu && 'menu-open']
    .filter(Boolean)
    .join(' ');
  function onKeyDown(e: React.KeyboardEvent) {
    if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
      e.preventDefault();
      setMenu(true);
    }
  }
  function close() {
    setMenu(false);
    row.current?.focus();
  }
  return (
    <li role="listitem" aria-labelledby={id} className={classes}>
      <button
        id={id}
        ref={row}
        type="button"
        className="conv-button"
        aria-current={selected ? 'page' : undefined}
        onClick={() => onOpen(c.id)}
        onContextMenu={(e) => {
          e.preventDefault();
          setMenu(true);
        }}
        onKeyDown={onKeyDown}
      >
        <Avatar name={item.display_title} id={c.id} size={40} />
        <span className="conv-text">
          <span className="conv-top">
            <span className="conv-title">{item.display_title}{handle && <> <Handle username={handle} /></>}</span>
            <time className="conv-time" dateTime={at} title={formatFull(at)}>{formatListTime(at)}</time>
          </span>
          <span className="conv-bottom">
            <span className="conv-preview">{item.left ? 'You left this conversation' : preview}</span>
            {muted && <span className="conv-muted" aria-label="Muted" title="Muted"><Icon name="bellOff" size={14} /></span>}
            {c.mention_count > 0 && (
              <span className="badge badge-mention" aria-label={`${c.mention_count} mentions`} title="You were mentioned">@</span>
            )}
            {unread > 0 && (
              <span className={muted ? 'badge badge-quiet' : 'badge'} aria-label={`${unread} unread`}>
                {unread > 999 ? '999+' : unread}
              </span>
            )}
            {unread === 0 && c.marked_unread && (
              <span className={muted ? 'badge badge-dot badge-quiet' : 'badge badge-dot'} aria-label="Marked unread"
                title="Marked unread" />
            )}
          </span>
        </span>
      </button>
      <button type="button" className="icon-button conv-more" aria-label={`Actions for ${item.display_title}`}
        title="More" aria-haspopup="menu" aria-expanded={menu} tabIndex={-1} onClick={() => setMenu((v) => !v)}>
        <Icon name="more" size={16} />
      </button>
      {menu && <ConversationMenu title={item.display_title} actions={actions} onClose={close} />}
    </li>
  );
}
