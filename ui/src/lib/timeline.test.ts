import { describe, expect, it } from 'vitest';
import { message, sent } from '../test/fixtures';
import { buildTimeline, sameTimelineItem } from './timeline';

const at = (d: number, h: number, m: number) => new Date(2026, 10, d, h, m).toISOString();

describe('buildTimeline', () => {
  it('groups one sender within 5 minutes and starts a new group otherwise', () => {
    const list = [
      sent(message(1, { sender_id: 'a', created_at: at(20, 10, 0) })),
      sent(message(2, { sender_id: 'a', created_at: at(20, 10, 4) })),
      sent(message(3, { sender_id: 'a', created_at: at(20, 10, 10) })),
      sent(message(4, { sender_id: 'b', created_at: at(20, 10, 11) })),
      sent(message(5, { sender_id: 'a', created_at: at(20, 10, 12) })),
    ];
    expect(buildTimeline(list).map((i) => i.showHeader)).toEqual([true, false, true, true, true]);
  });

  it('puts a day separator on the first message of each day and breaks groups there', () => {
    const list = [
      sent(message(1, { sender_id: 'a', created_at: at(20, 23, 58) })),
      sent(message(2, { sender_id: 'a', created_at: at(21, 0, 1) })),
      sent(message(3, { sender_id: 'a', created_at: at(21, 0, 2) })),
    ];
    const t = buildTimeline(list);
    expect(t.map((i) => i.dayStart !== null)).toEqual([true, true, false]);
    expect(t.map((i) => i.showHeader)).toEqual([true, true, false]);
  });
});

describe('buildTimeline marks', () => {
  const me = 'u-me';
  const list = [1, 2, 3, 4, 5].map((seq) => sent(message(seq, { sender_id: seq % 2 ? 'u-ada' : me })));
  const marks = { unreadAfter: null, meId: me, othersRead: [] as { userId: string; seq: number }[], direct: false };
  const read = (...seqs: number[]) => seqs.map((seq, i) => ({ userId: `u-${i}`, seq }));

  it('puts the New messages divider on the first unread message of someone else', () => {
    const items = buildTimeline(list, { ...marks, unreadAfter: 1 });
    expect(items.map((i) => i.unreadStart)).toEqual([false, false, true, false, false]);
    expect(buildTimeline(list, marks).some((i) => i.unreadStart)).toBe(false);
  });

  it('says Seen on my newest message someone has read', () => {
    const direct = buildTimeline(list, { ...marks, othersRead: read(3), direct: true });
    expect(direct.map((i) => i.seen)).toEqual([null, 'Seen', null, null, null]);
    const group = buildTimeline(list, { ...marks, othersRead: read(4, 5, 1) });
    expect(group.map((i) => i.seen)).toEqual([null, null, null, 'Seen by 2', null]);
    expect(group[3]!.seenBy).toEqual(['u-0', 'u-1']);
    expect(buildTimeline(list, { ...marks, othersRead: read(1) }).every((i) => i.seen === null)).toBe(true);
  });
});

describe('sameTimelineItem', () => {
  it('finds a row unchanged when a newer message is appended, and changed when its own marks move', () => {
    const list = [
      sent(message(1, { sender_id: 'a', created_at: at(20, 10, 0) })),
      sent(message(2, { sender_id: 'me', created_at: at(20, 10, 1) })),
    ];
    const before = buildTimeline(list, { unreadAfter: null, meId: 'me', othersRead: [], direct: true });
    // The same entries (structural sharing keeps them) and one new message from someone else.
    const grown = [...list, sent(message(3, { sender_id: 'a', created_at: at(20, 10, 2) }))];
    const after = buildTimeline(grown, { unreadAfter: null, meId: 'me', othersRead: [], direct: true });
    expect(after[0]).not.toBe(before[0]);
    expect(sameTimelineItem(before[0]!, after[0]!)).toBe(true);
    expect(sameTimelineItem(before[1]!, after[1]!)).toBe(true);
    // Someone read message 2: its row now shows `Seen`, so it must re-render.
    const seen = buildTimeline(grown, { unreadAfter: null, meId: 'me', othersRead: [{ userId: 'a', seq: 2 }], direct: true });
    expect(seen[1]!.seen).toBe('Seen');
    expect(sameTimelineItem(after[1]!, seen[1]!)).toBe(false);
    // An edited message is a new entry object.
    const edited = sent(message(1, { sender_id: 'a', created_at: at(20, 10, 0), body: 'edited' }));
    expect(sameTimelineItem(after[0]!, buildTimeline([edited, ...grown.slice(1)])[0]!)).toBe(false);
  });
});
