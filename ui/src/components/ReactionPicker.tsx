import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import {
  SKIN_TONES, inTone, loadEmojiSet, recentReactions, rememberSkinTone, sameEmoji, searchEmoji, skinTone,
  type EmojiEntry, type EmojiSet, type SkinTone,
} from '../lib/emoji';
import { Dialog } from './Dialog';

/** Shown first until one has reacted, then after one's own recent reactions. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢'] as const;

/**
 * `React` → the `Pick a reaction` dialog: one's recent reactions, then the full emoji set by
 * category, or what `Search emoji` finds by name and tag. Arrow keys move through the emoji
 * (↓ from the search field enters them), Enter in the field picks the first found, Escape
 * closes. Emoji already reacted with are pressed: picking one takes the reaction back. The
 * `Skin tone` choice (remembered) shows every emoji that has tones in the one chosen.
 */
export function ReactionPicker({ mine, onPick, onClose }: {
  mine: readonly string[];
  onPick: (emoji: string, on: boolean) => void;
  onClose: () => void;
}) {
  const [set, setSet] = useState<EmojiSet | null>(null);
  const [failed, setFailed] = useState(false);
  const [query, setQuery] = useState('');
  const [tone, setTone] = useState<SkinTone>(skinTone);
  const grid = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let live = true;
    loadEmojiSet().then((s) => live && setSet(s), () => live && setFailed(true));
    return () => {
      live = false;
    };
  }, []);
  const recent = useMemo(() => recentReactions(QUICK_REACTIONS), []);
  const labels = useMemo(() => new Map(set?.flatMap((e) => [e, ...(e.tones ?? [])])
    .map((v) => [v.emoji.replaceAll('\uFE0F', ''), v.label]) ?? []), [set]);
  const found = useMemo(() => (set && query.trim() ? searchEmoji(set, query) : null), [set, query]);
  const groups = useMemo(() => groupBy(set ?? []), [set]);

  const pressed = (emoji: string) => mine.some((m) => sameEmoji(m, emoji));
  const pick = (emoji: string) => {
    // Join an existing chip spelled without (or with) U+FE0F rather than start a second one.
    const existing = mine.find((m) => sameEmoji(m, emoji));
    onPick(existing ?? emoji, existing === undefined);
  };
  const entry = (e: EmojiEntry) => {
    const shown = inTone(e, tone);
    return button(shown.emoji, shown.label);
  };
  const button = (emoji: string, label: string | undefined) => (
    <button key={emoji} type="button" className="emoji" aria-label={label ? `${emoji} ${label}` : emoji}
      title={label} aria-pressed={pressed(emoji)} tabIndex={-1} onClick={() => pick(emoji)}>
      {emoji}
    </button>
  );

  function onFieldKey(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      grid.current?.querySelector<HTMLElement>('button.emoji')?.focus();
    } else if (e.key === 'Enter' && found && found[0]) {
      e.preventDefault();
      pick(found[0].emoji);
    }
  }

  function onGridKey(e: KeyboardEvent<HTMLDivElement>) {
    const items = Array.from(grid.current?.querySelectorAll<HTMLElement>('button.emoji') ?? []);
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (at === -1) return;
    const columns = Math.max(1, Math.round((grid.current?.clientWidth ?? 320) / (items[at]!.offsetWidth || 40)));
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns }[e.key];
    if (step === undefined) return;
    e.preventDefault();
    const next = at + step;
    if (next < 0) document.querySelector<HTMLElement>('input[aria-label="Search emoji"]')?.focus();
    else items[Math.min(next, items.length - 1)]?.focus();
  }

  return (
    <Dialog title="Pick a reaction" onClose={onClose}>
      <input type="search" className="emoji-search" aria-label="Search emoji" placeholder="Search emoji"
        autoFocus value={query} onChange={(e) => setQuery(e.target.value)} onKeyDown={onFieldKey} />
      <fieldset className="skin-tones" role="radiogroup" aria-label="Skin tone">
        {SKIN_TONES.map((t) => (
          <label key={t.tone} className="skin-tone" title={t.name}>
            <input type="radio" name="skin-tone" className="visually-hidden" aria-label={t.name}
              checked={tone === t.tone} onChange={() => {
                setTone(t.tone);
                rememberSkinTone(t.tone);
              }} />
            <span aria-hidden="true">{t.swatch}</span>
          </label>
        ))}
      </fieldset>
      <div ref={grid} className="emoji-picker" onKeyDown={onGridKey}>
        {found ? (
          found.length === 0 ? <p className="muted">No emoji matches “{query.trim()}”.</p> : (
            <EmojiGroup name="Search results">{found.map(entry)}</EmojiGroup>
          )
        ) : (
          <>
            <EmojiGroup name="Recently used">
              {recent.map((emoji) => button(emoji, labels.get(emoji.replaceAll('\uFE0F', ''))))}
            </EmojiGroup>
            {failed && <p className="form-error" role="alert">The emoji list could not be loaded.</p>}
            {!set && !failed && <p className="muted">Loading emoji…</p>}
            {groups.map(([group, entries]) => (
              <EmojiGroup key={group} name={group}>{entries.map(entry)}</EmojiGroup>
            ))}
          </>
        )}
      </div>
    </Dialog>
  );
}

function EmojiGroup({ name, children }: { name: string; children: React.ReactNode }) {
  return (
    <section className="emoji-group" aria-label={name}>
      <h3 className="emoji-group-name">{name}</h3>
      <div className="emoji-grid">{children}</div>
    </section>
  );
}

function groupBy(set: EmojiSet): [string, EmojiEntry[]][] {
  const groups = new Map<string, EmojiEntry[]>();
  for (const e of set) {
    const list = groups.get(e.group);
    if (list) list.push(e);
    else groups.set(e.group, [e]);
  }
  return [...groups];
}
