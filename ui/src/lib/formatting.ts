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

/** What formatted blocks say, without the markup: a message's text as a one-line preview. */
export function plainText(blocks: readonly Block[]): string {
  const inline = (parts: readonly Inline[]): string =>
    parts.map((p) => (p.kind === 'text' || p.kind === 'code' ? p.text : inline(p.children))).join('');
  return blocks
    .map((b) => (b.kind === 'paragraph' ? inline(b.children) : b.kind === 'code' ? b.text : plainText(b.children)))
    .join(' ');
}
