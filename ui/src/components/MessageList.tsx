import { useInfiniteQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Virtuoso, type IndexLocationWithAlign } from 'react-virtuoso';
import { errorMessage, type CachedMessage } from '../ipc';
import { buildTimeline, messageKey, type TimelineItem } from '../lib/timeline';
import { flattenPages, messagesOptions } from '../queries/messages';
import { useMarkReadWhileOpen } from '../hooks/useMarkReadWhileOpen';
import { useStickToBottom } from '../hooks/useStickToBottom';
import { jumpStore, useJumpTarget } from '../state/jump';
import { messageArrived } from '../state/typing';
import { MessageItem } from './MessageItem';

const NO_READERS: readonly { userId: string; seq: number }[] = [];

/** Virtuoso needs a positive, decreasing index for prepended (older) items. */
const BASE_INDEX = 1_000_000_000;

/** How many older pages a jump loads looking for a message whose `seq` it doesn't know. */
const JUMP_MAX_PAGES = 50;

/**
 * The `Messages` log: virtualized (only what is on screen is in the DOM, so 100,000 loaded
 * messages scroll like 100), loads older pages when scrolled to the top, and follows new
 * messages only while the reader is already at the bottom.
 */
export function MessageList({ conversationId, meId, onReply, onEdit, unreadAfter = null, othersRead = NO_READERS, direct = false }: {
  conversationId: string;
  meId: string | null;
  onReply: (entry: CachedMessage) => void;
  onEdit: (entry: CachedMessage) => void;
  /** The read marker when the conversation was opened: a `New messages` divider follows it. */
  unreadAfter?: number | null;
  /** The other members' read markers, for `Seen`. */
  othersRead?: readonly { userId: string; seq: number }[];
  direct?: boolean;
}) {
  const query = useInfiniteQuery(messagesOptions(conversationId));
  const list = useMemo(() => flattenPages(query.data), [query.data]);
  const items = useMemo(
    () => buildTimeline(list, { unreadAfter, meId, othersRead, direct }),
    [list, unreadAfter, meId, othersRead, direct],
  );
  // Opening with unread messages starts at the divider, not at the bottom (read at mount).
  const firstUnread = items.findIndex((i) => i.unreadStart);
  const target = useJumpTarget();
  const byId = useMemo(() => new Map(list.map((e) => [e.message.id, e])), [list]);
  const firstItemIndex = useFirstItemIndex(list);
  const stick = useStickToBottom();
  useMarkReadWhileOpen(conversationId, list);
  // Someone's message arrived: "is typing…" ends with it.
  const last = list[list.length - 1]?.message;
  useEffect(() => {
    if (last && last.seq > 0) messageArrived(conversationId, last.sender_id, Date.parse(last.created_at));
  }, [conversationId, last]);

  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  const loadOlder = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  // A jump: load older pages until the message is in, then show the list anew starting at it
  // (Virtuoso's `initialTopMostItemIndex`, keyed by the current message): a scroll asked for
  // while older rows are being prepended loses to Virtuoso keeping the reader's place.
  const current = target?.landed && target.conversationId === conversationId ? target.messageId : null;
  const currentIndex = current === null ? -1 : items.findIndex((i) => i.entry.message.id === current);
  const pagesLoaded = query.data?.pages.length ?? 0;
  // Where the list starts, decided when it mounts (at open, or anew at a jump's message) and
  // kept: Virtuoso scrolls there again whenever this prop changes.
  const startAt: IndexLocationWithAlign = currentIndex >= 0 ? { index: currentIndex, align: 'center' }
    : firstUnread >= 0 ? { index: firstUnread, align: 'start' } : { index: 'LAST', align: 'end' };
  const [start, setStart] = useState({ key: current, at: startAt });
  if (start.key !== current) setStart({ key: current, at: startAt });
  const { release } = stick;
  useEffect(() => {
    if (!target || target.landed || target.conversationId !== conversationId || !query.isSuccess) return;
    // Leaving the end: new rows (older pages, measured heights) must not pull the view down.
    release();
    if (items.some((i) => i.entry.message.id === target.messageId)) {
      jumpStore.set({ ...target, landed: true });
      return;
    }
    const oldest = list.find((e) => e.message.seq > 0)?.message.seq ?? null;
    const older = target.seq === null ? pagesLoaded < JUMP_MAX_PAGES : oldest === null || target.seq < oldest;
    if (hasNextPage && older) {
      if (!isFetchingNextPage) void fetchNextPage();
    } else {
      jumpStore.set(null); // not in this conversation's history (deleted from the server, say)
    }
  }, [target, conversationId, query.isSuccess, items, list, pagesLoaded, hasNextPage, isFetchingNextPage,
    fetchNextPage, release]);

  // Follow new output while at the bottom; always jump down after one's own new message.
  const { follow, stickNow } = stick;
  const lastPending = list[list.length - 1]?.delivery.state === 'pending';
  const followOutput = useCallback(() => follow(lastPending), [follow, lastPending]);

  if (query.isPending) return <div className="messages-empty muted">Loading messages…</div>;
  if (query.isError) return <div className="messages-empty form-error" role="alert">{errorMessage(query.error)}</div>;

  return (
    <div className="messages">
      <Virtuoso<TimelineItem>
        key={current ?? 'list'}
        scrollerRef={stick.scrollerRef}
        className="messages-scroller"
        role="log"
        aria-label="Messages"
        tabIndex={0}
        data={items}
        firstItemIndex={firstItemIndex}
        initialTopMostItemIndex={start.key === current ? start.at : startAt}
        alignToBottom
        followOutput={followOutput}
        totalListHeightChanged={stick.onHeightChanged}
        startReached={loadOlder}
        increaseViewportBy={{ top: 600, bottom: 300 }}
        computeItemKey={(_, item) => messageKey(item.entry)}
        components={{ Header: isFetchingNextPage ? LoadingOlder : hasNextPage ? undefined : StartOfHistory }}
        itemContent={(_, item) => (
          <MessageItem
            item={item}
            meId={meId}
            replyTarget={item.entry.message.reply_to ? byId.get(item.entry.message.reply_to) : undefined}
            current={item.entry.message.id === current}
            onReply={onReply}
            onEdit={onEdit}
          />
        )}
      />
      {!stick.atBottom && (
        <button type="button" className="jump-latest" onClick={stickNow}>
          Jump to latest ↓
        </button>
      )}
    </div>
  );
}

function LoadingOlder() {
  return <div className="history-edge muted">Loading older messages…</div>;
}

function StartOfHistory() {
  return <div className="history-edge muted">This is the start of the conversation.</div>;
}

/**
 * Older pages are prepended: Virtuoso keeps the scroll position if `firstItemIndex` drops by
 * exactly the number of items added in front. Count the messages older than the oldest one
 * of the first load (new messages arriving at the end leave it alone).
 */
function useFirstItemIndex(list: CachedMessage[]): number {
  const [anchor, setAnchor] = useState<number | null>(null);
  const first = list.find((e) => e.message.seq > 0)?.message.seq ?? null;
  if (anchor === null && first !== null) setAnchor(first);
  if (anchor === null) return BASE_INDEX;
  let older = 0;
  for (const e of list) {
    if (e.message.seq > 0 && e.message.seq < anchor) older++;
    else if (e.message.seq >= anchor) break;
  }
  return BASE_INDEX - older;
}
