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
}

/** Decides day separators and sender grouping in one pass: pure, so it is unit-tested. */
export function buildTimeline(list: CachedMessage[]): TimelineItem[] {
  const out: TimelineItem[] = new Array(list.length);
  let prevDay: number | null = null;
  let prevSender: string | null = null;
  let prevAt = 0;
  for (let i = 0; i < list.length; i++) {
    const entry = list[i]!;
    const at = new Date(entry.message.created_at).getTime();
    const day = startOfDay(new Date(at));
    const newDay = day !== prevDay;
    const showHeader = newDay || entry.message.sender_id !== prevSender || at - prevAt > GROUP_WINDOW_MS;
    out[i] = { entry, dayStart: newDay ? day : null, showHeader };
    prevDay = day;
    prevSender = entry.message.sender_id;
    prevAt = at;
  }
  return out;
}

/** A stable key for a message across pending → sent (the id changes, the client id does not). */
export function messageKey(entry: CachedMessage): string {
  return entry.message.client_id || entry.message.id;
}
