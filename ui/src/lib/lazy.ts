import { lazy, useEffect, useMemo, type ComponentType } from 'react';
import { createStore, useStore } from '../state/createStore';

/**
 * `React.lazy` for a named export, plus `preload()` to fetch its chunk ahead of need (after
 * the first screen is painted, so opening it later is instant). Whatever is not on the path
 * to the first paint — a conversation's view, dialogs, search — loads this way, keeping the
 * bundle the webview must parse at start small (the cold-start target is 500 ms).
 */
export function lazyComponent<P extends object>(load: () => Promise<ComponentType<P>>) {
  let chunk: Promise<{ default: ComponentType<P> }> | null = null;
  const preload = () => {
    chunk ??= load().then(
      (component) => ({ default: component }),
      (err: unknown) => {
        chunk = null; // let a later render try again
        throw err;
      },
    );
    return chunk;
  };
  return Object.assign(lazy(preload), { preload });
}

/** Runs `task` once the browser has painted the current frame and is free again. */
export function afterPaint(task: () => void): () => void {
  let timer = 0;
  const frame = requestAnimationFrame(() => {
    timer = window.setTimeout(task, 0);
  });
  return () => {
    cancelAnimationFrame(frame);
    window.clearTimeout(timer);
  };
}

/**
 * A body transform loaded on first need rather than with the first screen (the link finder
 * and the markdown parser are sizeable). Until it arrives `use` answers null and bodies render
 * as plain text; the richer rendering then appears in place.
 */
export function lazyTransform<T>(what: string, load: () => Promise<(body: string) => T>) {
  const loaded = createStore<((body: string) => T) | null>(null);
  let loading: Promise<unknown> | null = null;
  const start = () => {
    loading ??= load().then(
      (f) => loaded.set(() => f),
      (err: unknown) => {
        loading = null; // try again next time a body needs it
        console.warn(`parley: ${what} unavailable`, err);
      },
    );
    return loading;
  };
  /** `body` transformed, or null while loading or when `needed` is false. */
  function useTransformed(body: string, needed: boolean): T | null {
    const f = useStore(loaded);
    useEffect(() => {
      if (needed && !f) void start();
    }, [needed, f]);
    return useMemo(() => (needed && f ? f(body) : null), [needed, f, body]);
  }
  return { load: start, useTransformed };
}
