/** An emoji as the picker shows it: the character(s) and its CLDR name. */
export interface EmojiVariant {
  emoji: string;
  /** E.g. "thumbs up", "thumbs up: medium skin tone". */
  label: string;
}

/** One emoji of the picker. */
export interface EmojiEntry extends EmojiVariant {
  tags: readonly string[];
  /** Its category, e.g. "smileys & emotion". */
  group: string;
  /** For emoji that come in skin tones: tones 1 to 5 (light to dark). */
  tones?: readonly EmojiVariant[];
}

/** 0 is the default (yellow); 1 to 5 are the Fitzpatrick-based tones, light to dark. */
export type SkinTone = 0 | 1 | 2 | 3 | 4 | 5;

export const SKIN_TONES: readonly { tone: SkinTone; name: string; swatch: string }[] = [
  { tone: 0, name: 'Default skin tone', swatch: '✋' },
  { tone: 1, name: 'Light skin tone', swatch: '✋🏻' },
  { tone: 2, name: 'Medium-light skin tone', swatch: '✋🏼' },
  { tone: 3, name: 'Medium skin tone', swatch: '✋🏽' },
  { tone: 4, name: 'Medium-dark skin tone', swatch: '✋🏾' },
  { tone: 5, name: 'Dark skin tone', swatch: '✋🏿' },
];

/** `entry` in skin `tone`, or as it is when it has no tones. */
export function inTone(entry: EmojiEntry, tone: SkinTone): EmojiVariant {
  return (tone > 0 && entry.tones?.[tone - 1]) || entry;
}

const TONE_KEY = 'parley.skinTone';

/** The skin tone one picked last (remembered on this device). */
export function skinTone(): SkinTone {
  try {
    const stored = Number(localStorage.getItem(TONE_KEY) ?? 0);
    return SKIN_TONES.some((t) => t.tone === stored) ? (stored as SkinTone) : 0;
  } catch {
    return 0;
  }
}

export function rememberSkinTone(tone: SkinTone): void {
  try {
    localStorage.setItem(TONE_KEY, String(tone));
  } catch {
    // Storage full or off: the tone is a convenience.
  }
}

export type EmojiSet = readonly EmojiEntry[];

let loading: Promise<EmojiSet> | null = null;

/** The full emoji set (emojibase-data), fetched on first use. */
export function loadEmojiSet(): Promise<EmojiSet> {
  loading ??= import('./emojiData').then((m) => m.emojiSet()).catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading;
}

/** Two spellings of one emoji: with or without the emoji presentation selector (U+FE0F). */
export function sameEmoji(a: string, b: string): boolean {
  return a === b || a.replaceAll('\uFE0F', '') === b.replaceAll('\uFE0F', '');
}

/**
 * The emoji whose name or tags match every word of `query` (a word matches a name word or tag
 * it starts, or the emoji itself), names starting with the query first.
 */
export function searchEmoji(set: EmojiSet, query: string, limit = 200): EmojiEntry[] {
  const words = query.trim().toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const whole = words.join(' ');
  const hits: { e: EmojiEntry; rank: number }[] = [];
  for (const e of set) {
    const label = e.label.toLocaleLowerCase();
    const names = label.split(/[\s:,-]+/).concat(e.tags);
    const matches = words.every((w) => sameEmoji(w, e.emoji) || names.some((n) => n.startsWith(w)));
    if (matches) hits.push({ e, rank: label.startsWith(whole) ? 0 : label.includes(whole) ? 1 : 2 });
  }
  hits.sort((a, b) => a.rank - b.rank);
  return hits.slice(0, limit).map((h) => h.e);
}

const RECENT_KEY = 'parley.recentReactions';
const RECENT_MAX = 16;

/** One's recently used reactions, newest first, starting from `defaults`. */
export function recentReactions(defaults: readonly string[]): string[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? 'null');
    if (Array.isArray(stored) && stored.every((s) => typeof s === 'string')) {
      const recent = stored as string[];
      return recent.concat(defaults.filter((d) => !recent.some((r) => sameEmoji(r, d)))).slice(0, RECENT_MAX);
    }
  } catch {
    // A damaged entry is replaced by the next reaction.
  }
  return [...defaults];
}

export function rememberReaction(emoji: string, defaults: readonly string[]): void {
  const next = [emoji, ...recentReactions(defaults).filter((r) => !sameEmoji(r, emoji))].slice(0, RECENT_MAX);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(next));
  } catch {
    // Storage full or off: recents are a convenience.
  }
}
