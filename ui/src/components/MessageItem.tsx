import { memo, useContext } from 'react';
import type { CachedMessage } from '../ipc';
import { formatDay, formatFull, formatTime } from '../lib/format';
import { namesOf } from '../lib/personLabel';
import { sameTimelineItem, type TimelineItem } from '../lib/timeline';
import { Avatar } from './Avatar';
import { DeliveryState } from './DeliveryState';
import { MessageActions } from './MessageActions';
import { MessageAttachments } from './MessageAttachments';
import { MessageText } from './MessageText';
import { Reactions } from './Reactions';
import { SenderName } from './SenderName';
import { PeopleContext, usePersonLabel } from '../hooks/usePersonLabel';
import { jumpToMessage } from '../state/jump';

export interface MessageItemProps {
  item: TimelineItem;
  meId: string | null;
  replyTarget: CachedMessage | undefined;
  onReply: (entry: CachedMessage) => void;
  onEdit: (entry: CachedMessage) => void;
  /** The message a jump (reply quote, search result, notification) brought into view. */
  current?: boolean;
}

/**
 * One message as an `<article>`. The body is rendered as a React text node — never as HTML —
 * with `white-space: pre-wrap`, so whatever the sender typed shows exactly as typed.
 */
export const MessageItem = memo(function MessageItem({ item, meId, replyTarget, onReply, onEdit, current = false }: MessageItemProps) {
  const { entry, dayStart, showHeader, unreadStart, seen, seenBy } = item;
  const m = entry.message;
  const { name, handle } = usePersonLabel(m.sender_id);
  const mine = m.sender_id === meId;
  const sent = entry.delivery.state === 'sent';
  const classes = ['msg', showHeader ? 'first' : 'cont', mine ? 'mine' : '', sent ? '' : entry.delivery.state, current ? 'jumped' : ''];
  return (
    <div className="msg-row">
      {dayStart !== null && (
        <div className="day-separator" role="separator"><span>{formatDay(dayStart)}</span></div>
      )}
      {unreadStart && (
        <div className="unread-divider" role="separator" aria-label="New messages"><span>New messages</span></div>
      )}
      <article className={classes.join(' ')} data-message-id={m.id} aria-current={current ? 'true' : undefined} aria-label={`${name}${handle ? ` (@${handle})` : ''}, ${formatTime(m.created_at)}`}>
        <div className="msg-gutter">
          {showHeader ? <Avatar name={name} id={m.sender_id} /> : (
            <time className="msg-hover-time" dateTime={m.created_at} title={formatFull(m.created_at)}>
              {formatTime(m.created_at)}
            </time>
          )}
        </div>
        <div className="msg-main">
          {showHeader && (
            <header className="msg-header">
              <SenderName id={m.sender_id} className="msg-sender" />
              <time dateTime={m.created_at} title={formatFull(m.created_at)}>{formatTime(m.created_at)}</time>
            </header>
          )}
          {m.reply_to && <ReplyQuote conversationId={m.conversation_id} id={m.reply_to} target={replyTarget} />}
          {m.deleted ? (
            <div className="msg-body deleted">This message was deleted.</div>
          ) : !isCaption(m.body, m.attachments) && (
            <div className="msg-body">
              <MessageText body={m.body} mentions={m.mentions} meId={meId} />
              {m.edited_at && <span className="edited" title={formatFull(m.edited_at)}> (edited)</span>}
            </div>
          )}
          {!m.deleted && m.attachments.length > 0 && <MessageAttachments attachments={m.attachments} conversationId={m.conversation_id} />}
          {!m.deleted && <Reactions message={m} meId={meId} unsent={entry.unsent?.reactions} />}
          <DeliveryState entry={entry} />
          {seen && <SeenBy text={seen} ids={seenBy} />}
        </div>
        {sent && !m.deleted && (
          <MessageActions entry={entry} mine={mine} meId={meId} onReply={() => onReply(entry)} onEdit={() => onEdit(entry)} />
        )}
      </article>
    </div>
  );
}, (prev, next) => sameTimelineItem(prev.item, next.item) && prev.meId === next.meId
  && prev.replyTarget === next.replyTarget && prev.onReply === next.onReply && prev.onEdit === next.onEdit
  && prev.current === next.current);

/** A reply's quote: a button `Go to message from NAME` that jumps to the original. */
function ReplyQuote({ conversationId, id, target }: { conversationId: string; id: string; target: CachedMessage | undefined }) {
  const go = () => jumpToMessage({ conversationId, messageId: id, seq: target?.message.seq ?? null });
  if (!target) {
    return (
      <button type="button" className="reply-quote muted" aria-label="Go to the earlier message" onClick={go}>
        Reply to an earlier message
      </button>
    );
  }
  return <QuoteOf message={target.message} onClick={go} />;
}

function QuoteOf({ message: t, onClick }: { message: CachedMessage['message']; onClick: () => void }) {
  const { name } = usePersonLabel(t.sender_id);
  return (
    <button type="button" className="reply-quote" aria-label={`Go to message from ${name}`} onClick={onClick}>
      <SenderName id={t.sender_id} className="reply-sender" />
      <span className="reply-text">{t.deleted ? 'This message was deleted.' : t.body || attachmentSummary(t.attachments)}</span>
    </button>
  );
}

/**
 * True when the body says nothing the files don't: empty, or the caption earlier versions of
 * the engine gave a file sent alone (its names, comma-separated), still in old messages.
 */
function isCaption(body: string, files: readonly { name: string }[]): boolean {
  if (files.length === 0) return false;
  return body.trim() === '' || body === files.map((f) => f.name).join(', ');
}

function attachmentSummary(files: readonly { name: string }[]): string {
  if (files.length === 0) return '';
  return files.length === 1 ? `📎 ${files[0]!.name}` : `📎 ${files.length} files`;
}

/** `Seen` / `Seen by N`, with who in its tooltip. */
function SeenBy({ text, ids }: { text: string; ids: readonly string[] }) {
  const names = namesOf(useContext(PeopleContext), ids);
  return <span className="seen muted small" title={`Seen by ${names.join(', ')}`}>{text}</span>;
}
