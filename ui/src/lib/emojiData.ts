// Loaded on demand (see ./emoji.ts): the full emoji set (~1,900 entries) is only needed once
// the reaction picker opens.
import compact from 'emojibase-data/en/compact.json';
import messages from 'emojibase-data/en/messages.json';
import type { EmojiSet, EmojiVariant } from './emoji';

/** Emojibase's component group: skin-tone swatches and hair styles, not reactions. */
const COMPONENTS = 2;

/** The skin-tone modifiers U+1F3FB to U+1F3FF (tones 1 to 5), as emojibase writes them. */
const MODIFIERS = ['1F3FB', '1F3FC', '1F3FD', '1F3FE', '1F3FF'];

export function emojiSet(): EmojiSet {
  const groups = new Map(messages.groups.map((g) => [g.order, g.message]));
  return compact
    .filter((e) => e.group !== undefined && e.group !== COMPONENTS)
    .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
    .map((e) => ({
      emoji: e.unicode,
      label: e.label,
      tags: e.tags ?? [],
      group: groups.get(e.group!) ?? 'other',
      ...(e.skins ? { tones: tonesOf(e.skins) } : {}),
    }));
}

/**
 * The variant of each of the five tones: the one whose every modifier is that tone (people
 * holding hands come in 25 mixes; the picker offers the matching pair).
 */
function tonesOf(skins: readonly { hexcode: string; unicode: string; label: string }[]): EmojiVariant[] | undefined {
  const tones = MODIFIERS.map((modifier) => skins.find((s) => {
    const used = s.hexcode.split('-').filter((h) => MODIFIERS.includes(h));
    return used.length > 0 && used.every((h) => h === modifier);
  }));
  return tones.every((t) => t !== undefined) ? tones.map((t) => ({ emoji: t.unicode, label: t.label })) : undefined;
}
