import { infiniteQueryOptions, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { commands, type CachedMessage } from '../ipc';
import { keys } from './keys';

/** Messages per page: enough to fill a tall window twice. */
export const PAGE_SIZE = 100;

/**
 * The messages of one conversation as an infinite query. Page 0 is the newest page
 * (`before: null`); each next page is the one before the oldest `seq` seen so far, so a
 * refetch after new messages arrive re-derives the boundaries and leaves no gaps.
 */
export const messagesOptions = (conversationId: string) =>
  infiniteQueryOptions({
    queryKey: keys.messages(conversationId),
    queryFn: ({ pageParam }) => commands.messages(conversationId, pageParam, PAGE_SIZE),
    initialPageParam: null as number | null,
    getNextPageParam: olderPageParam,
  });

/**
 * The next (older) page starts below this page's oldest `seq`; there is none once `seq` 1 is
 * in, or when a page brought nothing older (history before the reader joined stays theirs).
 * A short page is not the end: the newest page is read from the cache alone (to paint at
 * once), which after a first sign-in holds only the latest messages; older ones are fetched.
 */
export function olderPageParam(page: CachedMessage[]): number | null | undefined {
  const oldest = oldestSeq(page);
  return oldest !== null && oldest > 1 ? oldest : undefined;
}

function oldestSeq(page: CachedMessage[]): number | null {
  let min: number | null = null;
  for (const m of page) {
    if (m.message.seq > 0 && (min === null || m.message.seq < min)) min = m.message.seq;
  }
  return min;
}

/**
 * Flattens the pages into one ascending list: sent messages by `seq` (deduplicated — pages
 * fetched on either side of a change may overlap), then pending/failed ones in outbox order.
 */
export function flattenPages(data: InfiniteData<CachedMessage[]> | undefined): CachedMessage[] {
  if (!data) return [];
  const sent: CachedMessage[] = [];
  const local: CachedMessage[] = [];
  const seen = new Set<string>();
  for (let p = data.pages.length - 1; p >= 0; p--) {
    for (const m of data.pages[p] ?? []) {
      if (seen.has(m.message.id)) continue;
      seen.add(m.message.id);
      (m.message.seq > 0 ? sent : local).push(m);
    }
  }
  if (!isSorted(sent)) sent.sort((a, b) => a.message.seq - b.message.seq);
  return local.length ? sent.concat(local) : sent;
}

function isSorted(list: CachedMessage[]): boolean {
  for (let i = 1; i < list.length; i++) {
    if (list[i - 1]!.message.seq > list[i]!.message.seq) return false;
  }
  return true;
}

/** The newest acknowledged seq, the value `mark_read` wants. */
export function newestSeq(list: CachedMessage[]): number {
  for (let i = list.length - 1; i >= 0; i--) {
    const seq = list[i]!.message.seq;
    if (seq > 0) return seq;
  }
  return 0;
}

/**
 * Keeps only the newest page of a conversation's messages (when it is closed): scrolling far
 * back or a jump may have loaded many, and a conversation not on screen needs only what paints
 * it at once when it is opened again.
 */
export function keepNewestPage(queryClient: QueryClient, conversationId: string): void {
  queryClient.setQueryData<InfiniteData<CachedMessage[], number | null>>(keys.messages(conversationId), (data) =>
    data && data.pages.length > 1 ? { pages: data.pages.slice(0, 1), pageParams: data.pageParams.slice(0, 1) } : data);
}
