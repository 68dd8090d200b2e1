import type { CachedMessage } from '../ipc';
import { startOfDay } from './format';

/** Consecutive messages from one sender within this window share one header. */
export const GROUP_WINDOW_MS = 5 * 60 * 1000;

export interface TimelineItem {
  entry: CachedMessage;
  /** Set on the first message of a day: the day's start (ms), for the separator. */
  dayStart: number | null;
  /** Whether this message starts a new sender group (shows name and time). */
  showHeader: boolean;
  /** The first message that was unread when the conversation was opened (the divider). */
  unreadStart: boolean;
  /** On the reader's newest message that others have read: `Seen` or `Seen by N`. */
  seen: string | null;
  /** Who has read that message (user ids), for the tooltip. */
  seenBy: readonly string[];
}

/** What the timeline marks besides days and sender groups. */
export interface TimelineMarks {
  /** The reader's read marker when the conversation was opened (null: no divider). */
  unreadAfter: number | null;
  meId: string | null;
  /** Other members' read markers. */
  othersRead: readonly { userId: string; seq: number }[];
  direct: boolean;
}

const NOBODY: readonly string[] = [];

const NO_MARKS: TimelineMarks = { unreadAfter: null, meId: null, othersRead: [], direct: false };

/** Decides day separators and sender grouping in one pass: pure, so it is unit-tested. */
export function buildTimeline(list: CachedMessage[], marks: TimelineMarks = NO_MARKS): TimelineItem[] {
  const out: TimelineItem[] = new Array(list.length);
  let prevDay: number | null = null;
  let prevSender: string | null = null;
  let prevAt = 0;
  let dividerPlaced = marks.unreadAfter === null;
  for (let i = 0; i < list.length; i++) {
    const entry = list[i]!;
    const m = entry.message;
    const at = new Date(m.created_at).getTime();
    const day = startOfDay(new Date(at));
    const newDay = day !== prevDay;
    const showHeader = newDay || m.sender_id !== prevSender || at - prevAt > GROUP_WINDOW_MS;
    const unreadStart = !dividerPlaced && m.seq > (marks.unreadAfter ?? 0) && m.sender_id !== marks.meId;
    if (unreadStart) dividerPlaced = true;
    out[i] = { entry, dayStart: newDay ? day : null, showHeader, unreadStart, seen: null, seenBy: NOBODY };
    prevDay = day;
    prevSender = m.sender_id;
    prevAt = at;
  }
  markSeen(out, marks);
  return out;
}

/** Puts `Seen` / `Seen by N` on the reader's newest sent message that someone else has read. */
function markSeen(items: TimelineItem[], marks: TimelineMarks): void {
  if (marks.meId === null || marks.othersRead.length === 0) return;
  for (let i = items.length - 1; i >= 0; i--) {
    const m = items[i]!.entry.message;
    if (m.sender_id !== marks.meId || m.seq <= 0 || m.deleted) continue;
    const readers = marks.othersRead.filter((r) => r.seq >= m.seq).map((r) => r.userId);
    if (readers.length === 0) continue;
    items[i] = { ...items[i]!, seen: marks.direct ? 'Seen' : `Seen by ${readers.length}`, seenBy: readers };
    return;
  }
}

/**
 * Whether two timeline items show the same thing. `buildTimeline` makes new items on every
 * change, while the entries themselves keep their identity across re-reads (TanStack Query's
 * structural sharing), so a row compares its item field by field: a message arriving
 * re-renders its own row, not every row on screen.
 */
export function sameTimelineItem(a: TimelineItem, b: TimelineItem): boolean {
  return a === b || (a.entry === b.entry && a.dayStart === b.dayStart && a.showHeader === b.showHeader
    && a.unreadStart === b.unreadStart && a.seen === b.seen && sameIds(a.seenBy, b.seenBy));
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((id, i) => id === b[i]));
}

/** A stable key for a message across pending → sent (the id changes, the client id does not). */
export function messageKey(entry: CachedMessage): string {
  return entry.message.client_id || entry.message.id;
}
