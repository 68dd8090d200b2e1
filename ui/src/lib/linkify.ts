import { useEffect, useMemo } from 'react';
import { createStore, useStore } from '../state/createStore';
import type { BodyPart } from './linkParts';

export type { BodyPart };
type Splitter = (body: string) => BodyPart[];

/**
 * The link finder, loaded on first need rather than with the first screen (it is a sizeable
 * state machine that also builds its tables on first use). Until it arrives bodies render as
 * plain text; links then appear in place, with the same text, so nothing moves.
 */
const splitter = createStore<Splitter | null>(null);
let loading: Promise<unknown> | null = null;

export function loadLinkifier(): Promise<unknown> {
  loading ??= import('./linkParts').then(
    (m) => splitter.set(() => m.splitLinks),
    (err: unknown) => {
      loading = null; // try again next time a body needs it
      console.warn('parley: link detection unavailable', err);
    },
  );
  return loading;
}

/** A cheap test that rules out most bodies: every link has a letter or digit next to `.`, `:` or `@`. */
export function mayHoldLink(body: string): boolean {
  return /\w[.:@][\w/]/.test(body);
}

/** The body split into text and links, or null while the link finder is loading (or not needed). */
export function useBodyParts(body: string): BodyPart[] | null {
  const needed = mayHoldLink(body);
  const split = useStore(splitter);
  useEffect(() => {
    if (needed && !split) void loadLinkifier();
  }, [needed, split]);
  return useMemo(() => (needed && split ? split(body) : null), [needed, split, body]);
}
