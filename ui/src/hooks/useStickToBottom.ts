import { useCallback, useEffect, useRef, useState } from 'react';

const THRESHOLD_PX = 48;

/**
 * Keeps a chat scroller pinned to its newest message while the reader is "at the bottom".
 *
 * Virtuoso's own bottom tracking only reacts to new items; here the list also grows when
 * rows are measured or names and reactions load, which would leave a freshly opened chat a
 * few rows short of the end. So stickiness is decided by the *reader*: it starts on, and only
 * a scroll that follows user input (wheel, touch, keys, pointer) can turn it off or back on.
 */
export function useStickToBottom() {
  const sticky = useRef(true);
  const userIntent = useRef(false);
  const elRef = useRef<HTMLElement | null>(null);
  const [scroller, setScroller] = useState<HTMLElement | null>(null);
  const [atBottom, setAtBottom] = useState(true);

  useEffect(() => {
    if (!scroller) return;
    const intent = () => { userIntent.current = true; };
    const onScroll = () => {
      const bottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= THRESHOLD_PX;
      if (userIntent.current) sticky.current = bottom;
      setAtBottom(sticky.current || bottom);
    };
    const events = ['wheel', 'touchmove', 'keydown', 'pointerdown'] as const;
    events.forEach((e) => scroller.addEventListener(e, intent, { passive: true }));
    scroller.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      events.forEach((e) => scroller.removeEventListener(e, intent));
      scroller.removeEventListener('scroll', onScroll);
    };
  }, [scroller]);

  /** Call when the content height changed. */
  const onHeightChanged = useCallback(() => {
    if (sticky.current) scrollToEnd(elRef.current);
  }, []);

  /** Stops following the end (a jump to an older message is on its way). */
  const release = useCallback(() => {
    sticky.current = false;
    userIntent.current = false;
    setAtBottom(false);
  }, []);

  const stickNow = useCallback(() => {
    sticky.current = true;
    userIntent.current = false;
    setAtBottom(true);
    scrollToEnd(elRef.current);
  }, []);

  /** Virtuoso's `followOutput`: follow while sticky, and always after one's own new message. */
  const follow = useCallback((ownNewMessage: boolean) => {
    if (ownNewMessage) sticky.current = true;
    return sticky.current ? ('auto' as const) : false;
  }, []);

  const scrollerRef = useCallback((el: HTMLElement | Window | null) => {
    // A list mounted anew (a jump) may hand over its scroller before the old one says goodbye
    // with null: keep the newest element, let go only of the one leaving.
    if (el instanceof HTMLElement) elRef.current = el;
    else if (elRef.current && !elRef.current.isConnected) elRef.current = null;
    setScroller(elRef.current);
  }, []);

  return { atBottom, scrollerRef, onHeightChanged, stickNow, release, follow };
}

function scrollToEnd(el: HTMLElement | null): void {
  if (el) el.scrollTop = el.scrollHeight;
}
