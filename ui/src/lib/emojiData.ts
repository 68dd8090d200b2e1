// Loaded on demand (see ./emoji.ts): the full emoji set (~1,900 entries) is only needed once
// the reaction picker opens.
import compact from 'emojibase-data/en/compact.json';
import messages from 'emojibase-data/en/messages.json';
import type { EmojiSet } from './emoji';

/** Emojibase's component group: skin-tone swatches and hair styles, not reactions. */
const COMPONENTS = 2;

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
    }));
}
