import { useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import type { CachedMessage } from '../ipc';
import { useDeleteMessage } from '../hooks/useDeleteMessage';
import { useReact } from '../hooks/useReact';
import { Icon } from './Icon';
import { rememberReaction } from '../lib/emoji';
import { QUICK_REACTIONS, ReactionPicker } from './ReactionPicker';

/**
 * Per-message buttons `Reply`, `React`, and for one's own messages `Edit` and `Delete`.
 * They stay in the DOM (and in the Tab order) and are only visually tucked away until the
 * message is hovered or focused.
 */
export function MessageActions({ entry, mine, meId, onReply, onEdit }: {
  entry: CachedMessage;
  mine: boolean;
  meId: string | null;
  onReply: () => void;
  onEdit: () => void;
}) {
  const m = entry.message;
  const [menu, setMenu] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const reactButton = useRef<HTMLButtonElement>(null);
  const react = useReact(m.conversation_id);
  const del = useDeleteMessage(m.conversation_id);
  const myReactions = m.reactions.filter((r) => meId && r.user_ids.includes(meId)).map((r) => r.emoji);

  if (confirming) {
    return (
      <div className="msg-actions confirming" role="group" aria-label="Confirm delete">
        <span>Delete this message for everyone?</span>
        <button type="button" className="danger" autoFocus onClick={() => del.mutate(m.id)}>Delete for everyone</button>
        <button type="button" onClick={() => setConfirming(false)}>Cancel</button>
      </div>
    );
  }

  return (
    <div className={menu ? 'msg-actions open' : 'msg-actions'} role="group" aria-label="Message actions">
      <button type="button" className="icon-button" aria-label="Reply" title="Reply" onClick={onReply}>
        <Icon name="reply" size={16} />
      </button>
      <button ref={reactButton} type="button" className="icon-button" aria-label="React" title="React"
        aria-haspopup="dialog" onClick={() => setMenu(true)}>
        <Icon name="smile" size={16} />
      </button>
      {mine && (
        <>
          <button type="button" className="icon-button" aria-label="Edit" title="Edit" onClick={onEdit}>
            <Icon name="edit" size={16} />
          </button>
          <button type="button" className="icon-button" aria-label="Delete" title="Delete" onClick={() => setConfirming(true)}>
            <Icon name="trash" size={16} />
          </button>
        </>
      )}
      {/* In a portal: the row is virtualized and may be re-rendered or scrolled away. */}
      {menu && createPortal(
        <ReactionPicker
          mine={myReactions}
          onPick={(emoji, on) => {
            react.mutate({ messageId: m.id, emoji, on });
            if (on) rememberReaction(emoji, QUICK_REACTIONS);
            setMenu(false);
          }}
          onClose={() => setMenu(false)}
        />,
        document.body,
      )}
    </div>
  );
}
