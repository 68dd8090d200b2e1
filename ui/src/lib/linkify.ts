import { lazyTransform } from './lazy';
import type { BodyPart } from './linkParts';

export type { BodyPart };

const linkifier = lazyTransform('link detection', () => import('./linkParts').then((m) => m.splitLinks));

/** A cheap test that rules out most bodies: every link has a letter or digit next to `.`, `:` or `@`. */
export function mayHoldLink(body: string): boolean {
  return /\w[.:@][\w/]/.test(body);
}

/** The text split into text and links, or null while the link finder is loading (or not needed). */
export function useBodyParts(text: string): BodyPart[] | null {
  return linkifier.useTransformed(text, mayHoldLink(text));
}
