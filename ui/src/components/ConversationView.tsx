import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import type { CachedMessage } from '../ipc';
import { useAttachmentTray } from '../hooks/useAttachmentTray';
import { useFileDrop } from '../hooks/useFileDrop';
import { useMe } from '../hooks/useMe';
import { useConversationPeople } from '../hooks/useConversationPeople';
import { PeopleContext } from '../hooks/usePersonLabel';
import { formatLastSeen } from '../lib/format';
import { directPeerHandle } from '../lib/personLabel';
import { usePresence } from '../state/presence';
import { searchIn } from '../state/search';
import { conversationsOptions } from '../queries/conversations';
import { flattenPages, keepNewestPage, messagesOptions } from '../queries/messages';
import { Avatar } from './Avatar';
import { Composer } from './Composer';
import { ConversationDetails } from './ConversationDetails';
import type { ComposerMode } from './ComposerMode';
import { Icon } from './Icon';
import { ImageViewer } from './ImageViewer';
import { MessageList } from './MessageList';
import { Handle } from './SenderName';
import { TypingIndicator } from './TypingIndicator';

/**
 * An open conversation: title, the message log, who is typing, and the composer; files
 * dropped on it join the composer. Its members are provided to every name shown inside, so
 * two people with one display name both show their `@username`.
 */
export function ConversationView({ conversationId, onBack }: { conversationId: string; onBack: () => void }) {
  const list = useQuery({
    ...conversationsOptions(),
    select: (all) => all.find((c) => c.conversation.id === conversationId),
  });
  const conv = list.data;
  // Left or removed: the list no longer has it (its messages stay readable here).
  const gone = list.isSuccess && !conv;
  const me = useMe();
  const people = useConversationPeople(conversationId);
  const headingId = useId();
  const [mode, setMode] = useState<ComposerMode>(null);
  const [details, setDetails] = useState(false);
  // The read marker as it was when the conversation opened: the `New messages` divider stays
  // put while reading moves the marker on.
  const [unreadAfter] = useState(() => (conv && conv.conversation.unread_count > 0 ? conv.conversation.last_read_seq : null));
  const othersRead = useMemo(
    () => (conv?.conversation.members ?? [])
      .filter((m) => m.user_id !== me?.id)
      .map((m) => ({ userId: m.user_id, seq: m.last_read_seq })),
    [conv?.conversation.members, me?.id],
  );
  const onReply = useCallback((entry: CachedMessage) => setMode({ kind: 'reply', entry }), []);
  const onEdit = useCallback((entry: CachedMessage) => setMode({ kind: 'edit', entry }), []);
  const client = useQueryClient();
  // Closing it lets go of the older pages it loaded (a jump may have brought many).
  useEffect(() => () => keepNewestPage(client, conversationId), [client, conversationId]);
  const onEditLast = useCallback(() => {
    const list = flattenPages(client.getQueryData(messagesOptions(conversationId).queryKey));
    const last = [...list].reverse().find((e) =>
      e.message.sender_id === me?.id && e.delivery.state === 'sent' && !e.message.deleted);
    if (last) setMode({ kind: 'edit', entry: last });
    return last !== undefined;
  }, [client, conversationId, me?.id]);
  const title = conv?.display_title ?? 'Conversation';
  const members = conv?.conversation.members.length ?? 0;
  const peerHandle = conv?.conversation.kind === 'direct' ? directPeerHandle(people, me?.id ?? null) : null;
  const peer = conv?.conversation.kind === 'direct' ? people.find((u) => u.id !== me?.id) ?? null : null;
  const presence = usePresence(peer?.id ?? null);
  // A presence frame is the latest word (null when they hide it); before one, their profile.
  const lastSeen = presence ? presence.lastSeenAt : peer?.show_presence ? peer.last_seen_at : null;
  const presenceText = presence?.online ? 'Online' : lastSeen ? `Last seen ${formatLastSeen(lastSeen)}` : null;
  const tray = useAttachmentTray(conversationId);
  const drop = useFileDrop(tray.add, !conv?.left && mode?.kind !== 'edit');

  return (
    <PeopleContext value={people}>
      <section className="conversation" aria-labelledby={headingId} {...drop.handlers}>
        {drop.dragging && <div className="drop-overlay" aria-hidden="true">Drop files to attach</div>}
        <header className="conversation-header">
          <button type="button" className="icon-button back" aria-label="Back to conversations" onClick={onBack}>
            <Icon name="back" />
          </button>
          <Avatar name={title} id={conversationId} size={34} />
          <div className="conversation-title">
            <h2 id={headingId}>{title}</h2>
            {conv && (
              <span className="muted small">
                {peerHandle && <><Handle username={peerHandle} /> · </>}
                {conv.conversation.kind === 'group' ? `${members} members` : presenceText ?? 'Direct message'}
                {conv.left ? ' · you left' : ''}
              </span>
            )}
          </div>
          {conv && (
            <button type="button" className="icon-button" aria-label="Search in conversation" title="Search in conversation"
              onClick={() => searchIn({ conversationId, title })}>
              <Icon name="search" />
            </button>
          )}
          {conv && (
            <button type="button" className="icon-button details-button" aria-label="Conversation details"
              title="Conversation details" onClick={() => setDetails(true)}>
              <Icon name="info" />
            </button>
          )}
        </header>
        {details && conv && <ConversationDetails conv={conv} onClose={() => setDetails(false)} />}
        <ImageViewer conversationId={conversationId} />
        <MessageList conversationId={conversationId} meId={me?.id ?? null} onReply={onReply} onEdit={onEdit}
          unreadAfter={unreadAfter} othersRead={othersRead} direct={conv?.conversation.kind === 'direct'} />
        <TypingIndicator conversationId={conversationId} meId={me?.id ?? null} />
        {conv?.left || gone ? (
          <p className="composer muted">You are no longer a member of this conversation.</p>
        ) : (
          <Composer
            key={mode?.kind === 'edit' ? `edit:${mode.entry.message.id}` : 'compose'}
            conversationId={conversationId}
            mode={mode}
            onDone={() => setMode(null)}
            onEditLast={onEditLast}
          />
        )}
      </section>
    </PeopleContext>
  );
}
