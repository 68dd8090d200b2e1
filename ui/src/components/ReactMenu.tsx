import { useEffect, useRef } from 'react';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢'] as const;

/**
 * A small menu of reactions: arrow keys move between them, Escape closes and gives focus
 * back to the `React` button (the parent does that through `onClose`).
 */
export function ReactMenu({ mine, onPick, onClose }: {
  mine: ReadonlySet<string>;
  onPick: (emoji: string, on: boolean) => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.querySelector<HTMLElement>('[role="menuitemcheckbox"]')?.focus(), []);

  function onKeyDown(e: React.KeyboardEvent) {
    const items = Array.from(ref.current?.querySelectorAll<HTMLElement>('[role="menuitemcheckbox"]') ?? []);
    const i = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowDown') {
      e.preventDefault();
      items[(i + 1) % items.length]?.focus();
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') {
      e.preventDefault();
      items[(i - 1 + items.length) % items.length]?.focus();
    }
  }

  return (
    <div ref={ref} className="react-menu" role="menu" aria-label="Reactions" onKeyDown={onKeyDown}
      onBlur={(e) => !e.currentTarget.contains(e.relatedTarget) && onClose()}>
      {QUICK_REACTIONS.map((emoji) => (
        <button key={emoji} type="button" role="menuitemcheckbox" aria-checked={mine.has(emoji)}
          aria-label={`React with ${emoji}`} tabIndex={-1} onClick={() => onPick(emoji, !mine.has(emoji))}>
          {emoji}
        </button>
      ))}
    </div>
  );
}
