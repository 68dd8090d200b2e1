import type { CachedConversation } from '../ipc';

/** Every keyboard shortcut, as the `Keyboard shortcuts` dialog lists them. */
export const SHORTCUTS: readonly { keys: readonly string[]; does: string }[] = [
  { keys: ['Ctrl', 'K'], does: 'Jump to a conversation' },
  { keys: ['Alt', '↓'], does: 'Next conversation' },
  { keys: ['Alt', '↑'], does: 'Previous conversation' },
  { keys: ['Alt', 'Shift', '↓'], does: 'Next unread conversation' },
  { keys: ['Ctrl', 'F'], does: 'Search messages' },
  { keys: ['Enter'], does: 'Send the message' },
  { keys: ['Shift', 'Enter'], does: 'New line in the message' },
  { keys: ['↑'], does: 'Edit your last message (in an empty message box)' },
  { keys: ['Escape'], does: 'Cancel a reply or an edit, close a dialog or menu' },
  { keys: ['Shift', 'F10'], does: "Open a conversation's or a message's menu" },
  { keys: ['Ctrl', '/'], does: 'Show these shortcuts' },
];

/** The global shortcut a key press means, if any. */
export type Shortcut = 'jump' | 'shortcuts' | 'search' | 'next' | 'previous' | 'next-unread';

export function shortcutOf(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): Shortcut | null {
  const primary = e.ctrlKey || e.metaKey; // Cmd on macOS
  if (primary && !e.altKey && !e.shiftKey) {
    if (e.key === 'k' || e.key === 'K') return 'jump';
    if (e.key === 'f' || e.key === 'F') return 'search';
  }
  // `/` sits on a shifted key on many layouts (Shift+7 on German ones).
  if (primary && !e.altKey && e.key === '/') return 'shortcuts';
  if (e.altKey && !primary) {
    if (e.key === 'ArrowDown') return e.shiftKey ? 'next-unread' : 'next';
    if (e.key === 'ArrowUp' && !e.shiftKey) return 'previous';
  }
  return null;
}

function looksUnread(c: CachedConversation): boolean {
  return c.conversation.unread_count > 0 || c.conversation.marked_unread;
}

/**
 * The conversation a step away from `selected` in the list's order (newest activity first),
 * wrapping around; the first (or last) one when none is open.
 */
export function neighbour(list: readonly CachedConversation[], selected: string | null, step: 1 | -1): string | null {
  if (list.length === 0) return null;
  const at = list.findIndex((c) => c.conversation.id === selected);
  const from = at === -1 ? (step === 1 ? -1 : list.length) : at;
  return list[(from + step + list.length) % list.length]!.conversation.id;
}

/** The next unread conversation after `selected` in the list's order, wrapping around. */
export function nextUnread(list: readonly CachedConversation[], selected: string | null): string | null {
  const at = list.findIndex((c) => c.conversation.id === selected);
  for (let i = 1; i <= list.length; i++) {
    const c = list[(at + i + list.length) % list.length]!;
    if (c.conversation.id !== selected && looksUnread(c)) return c.conversation.id;
  }
  return null;
}

/**
 * How well `title` matches `query` as a fuzzy subsequence (every query character in order,
 * case-insensitive), higher is better; null when it doesn't. Contiguous runs and matches at
 * word starts score more, so "gp" finds "Group planning" before "laptop groups".
 */
export function fuzzyScore(title: string, query: string): number | null {
  const t = title.toLocaleLowerCase();
  const q = query.trim().toLocaleLowerCase();
  if (!q) return 0;
  let score = 0;
  let from = 0;
  let previous = -2;
  const wordStart = (i: number) => i === 0 || /[\s\-_.@]/.test(t[i - 1]!);
  for (const ch of q) {
    // Right after the previous match if it can be, else at a word start, else anywhere.
    let at = t.startsWith(ch, from) && previous >= 0 ? from : -1;
    for (let i = t.indexOf(ch, from); at === -1 && i !== -1; i = t.indexOf(ch, i + 1)) {
      if (wordStart(i)) at = i;
    }
    if (at === -1) at = t.indexOf(ch, from);
    if (at === -1) return null;
    if (at === previous + 1) score += 3;
    if (wordStart(at)) score += 2;
    score += 1;
    previous = at;
    from = at + ch.length;
  }
  if (t.startsWith(q)) score += 5;
  return score - t.length / 100;
}

/** The `Jump to conversation` choices for `query`: unread first, then the best matches, then activity. */
export function jumpChoices(list: readonly CachedConversation[], query: string, limit = 50): CachedConversation[] {
  const scored: { c: CachedConversation; score: number; index: number }[] = [];
  list.forEach((c, index) => {
    const score = fuzzyScore(c.display_title, query);
    if (score !== null) scored.push({ c, score, index });
  });
  scored.sort((a, b) =>
    Number(looksUnread(b.c)) - Number(looksUnread(a.c)) || b.score - a.score || a.index - b.index);
  return scored.slice(0, limit).map((s) => s.c);
}
