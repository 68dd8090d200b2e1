const time = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const shortDate = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const longDate = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

const DAY_MS = 86_400_000;

export function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** Clock time of a message: "14:05". */
export function formatTime(iso: string): string {
  return time.format(new Date(iso));
}

/** Tooltip text: the full date and time. */
export function formatFull(iso: string): string {
  return full.format(new Date(iso));
}

/** The conversation list's time column: time today, weekday this week, else the date. */
export function formatListTime(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const days = (startOfDay(now) - startOfDay(d)) / DAY_MS;
  if (days < 1) return time.format(d);
  if (days < 7) return weekday.format(d);
  return shortDate.format(d);
}

/** Day separator label: "Today", "Yesterday", or the full date. */
export function formatDay(dayStart: number, now = new Date()): string {
  const days = Math.round((startOfDay(now) - dayStart) / DAY_MS);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  return longDate.format(new Date(dayStart));
}

/** "today at 14:05", "yesterday at 09:12", "Mon at 18:30" (this week), else "3 Nov". */
export function formatLastSeen(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const days = Math.round((startOfDay(now) - startOfDay(d)) / DAY_MS);
  if (days <= 0) return `today at ${time.format(d)}`;
  if (days === 1) return `yesterday at ${time.format(d)}`;
  if (days < 7) return `${weekday.format(d)} at ${time.format(d)}`;
  return shortDate.format(d);
}

/** Initials for an avatar: "Ada Lovelace" → "AL". */
export function initials(name: string): string {
  const parts = name.split(/[\s._-]+/).filter((p) => /^[\p{L}\p{N}]/u.test(p));
  const letters = parts.length > 1 ? [parts[0]!, parts[parts.length - 1]!] : parts;
  return letters.map((p) => Array.from(p)[0]?.toUpperCase() ?? '').join('') || '?';
}

/** A stable hue for a name, so each person keeps their avatar colour. */
export function hueFor(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return h % 360;
}

const sizeFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** A file size for people: "512 B", "48.2 KB", "3.4 MB" (powers of 1024, as file managers show). */
export function formatSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : sizeFormat.format(value)} ${units[unit]}`;
}
