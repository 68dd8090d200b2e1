import { useEffect, useRef } from 'react';

export interface MenuAction {
  label: string;
  run: () => void;
}

/**
 * A conversation's context menu (right click, the Menu key or Shift+F10 on its row, or its
 * `Actions for TITLE` button): arrow keys move, Enter runs, Escape closes and gives focus
 * back (the parent does that through `onClose`).
 */
export function ConversationMenu({ title, actions, onClose }: {
  title: string;
  actions: MenuAction[];
  onClose: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus(), []);

  function onKeyDown(e: React.KeyboardEvent) {
    const items = Array.from(ref.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);
    const i = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape' || e.key === 'Tab') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      items[(i + 1) % items.length]?.focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      items[(i - 1 + items.length) % items.length]?.focus();
    }
  }

  return (
    <div ref={ref} className="conv-menu" role="menu" aria-label={`Actions for ${title}`} onKeyDown={onKeyDown}
      onBlur={(e) => !e.currentTarget.contains(e.relatedTarget) && onClose()}>
      {actions.map((a) => (
        <button key={a.label} type="button" role="menuitem" tabIndex={-1} onClick={() => { a.run(); onClose(); }}>
          {a.label}
        </button>
      ))}
    </div>
  );
}
