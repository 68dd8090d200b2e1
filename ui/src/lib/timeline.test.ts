import { describe, expect, it } from 'vitest';
import { message, sent } from '../test/fixtures';
import { buildTimeline } from './timeline';

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
