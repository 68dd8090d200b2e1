import { lazy, type ComponentType } from 'react';

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
