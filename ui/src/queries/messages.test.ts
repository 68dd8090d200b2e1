import type { InfiniteData } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import type { CachedMessage } from '../ipc';
import { message, sent } from '../test/fixtures';
import { createQueryClient } from './client';
import { keys } from './keys';
import { flattenPages, keepNewestPage, newestSeq, olderPageParam, PAGE_SIZE } from './messages';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => sent(message(from + i)));
const pending: CachedMessage = { message: { ...message(0), id: 'local:x', client_id: 'x' }, delivery: { state: 'pending' } };

describe('message pages', () => {
  it('asks for the page before the oldest seq, and stops at the start', () => {
    expect(olderPageParam(range(101, 100 + PAGE_SIZE))).toBe(101);
    expect(olderPageParam(range(1, PAGE_SIZE))).toBeUndefined();
    // A short page is not the start: a first sign-in caches only the latest 50 of each
    // conversation, and the rest comes from the server page by page.
    expect(olderPageParam(range(32, 81))).toBe(32);
    // An empty or pending-only page is: nothing older could be had.
    expect(olderPageParam([])).toBeUndefined();
    expect(olderPageParam([pending])).toBeUndefined();
  });

  it('flattens newest-first pages into ascending order without duplicates, pending last', () => {
    const data = { pages: [[...range(4, 6), pending], range(1, 4)], pageParams: [null, 4] };
    expect(flattenPages(data).map((m) => m.message.seq)).toEqual([1, 2, 3, 4, 5, 6, 0]);
    expect(newestSeq(flattenPages(data))).toBe(6);
  });
});

describe('keepNewestPage', () => {
  it('keeps only the newest page of a closed conversation', () => {
    const qc = createQueryClient();
    const key = keys.messages('c1');
    const page = (seq: number) => [sent(message(seq))];
    qc.setQueryData<InfiniteData<CachedMessage[], number | null>>(key, { pages: [page(300), page(200), page(100)], pageParams: [null, 201, 101] });
    keepNewestPage(qc, 'c1');
    expect(qc.getQueryData<InfiniteData<CachedMessage[], number | null>>(key)).toEqual({ pages: [page(300)], pageParams: [null] });
    keepNewestPage(qc, 'never-opened');
    expect(qc.getQueryData(keys.messages('never-opened'))).toBeUndefined();
  });
});
