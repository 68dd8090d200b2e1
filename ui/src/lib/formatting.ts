import { lazyTransform } from './lazy';
import type { Block, Inline } from './formatParts';

export type { Block, Inline };

const formatter = lazyTransform('formatting', () => import('./formatParts').then((m) => m.parseFormatting));

/** A cheap test that rules out most bodies: formatting needs one of `* _ ~ \` > \\`. */
export function mayHoldFormatting(body: string): boolean {
  return /[*_~`>\\]/.test(body);
}

/** The body's formatting as blocks, or null while the parser is loading (or not needed). */
export function useFormatting(body: string): Block[] | null {
  return formatter.useTransformed(body, mayHoldFormatting(body));
}
