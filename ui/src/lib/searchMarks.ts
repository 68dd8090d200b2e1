import type { Message } from '../ipc';

/**
 * The words of a search as the full-text index sees them: runs of letters and digits, lower
 * case (`it's` is `it` and `s`, as `parley_protocol::fts` tokenizes on both sides).
 */
export function searchTerms(query: string): string[] {
  return [...new Set(query.toLocaleLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
}

/** A run of a result's text, and whether it is a match. */
export interface MarkPart {
  text: string;
  match: boolean;
}

/**
 * `text` split around what the search matched: the start of every word that begins with one
 * of `terms` (the index matches words by prefix). The parts put back together are `text`.
 */
export function markMatches(text: string, terms: readonly string[]): MarkPart[] {
  if (terms.length === 0) return [{ text, match: false }];
  const parts: MarkPart[] = [];
  let plain = '';
  let last = 0;
  for (const word of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const lower = word[0].toLocaleLowerCase();
    const term = terms.filter((t) => lower.startsWith(t)).sort((a, b) => b.length - a.length)[0];
    if (term === undefined || term.length > word[0].length) continue;
    plain += text.slice(last, word.index);
    if (plain) parts.push({ text: plain, match: false });
    plain = '';
    parts.push({ text: word[0].slice(0, term.length), match: true });
    last = word.index + term.length;
  }
  plain += text.slice(last);
  if (plain) parts.push({ text: plain, match: false });
  return parts;
}

/**
 * The local results (there at once, offline too) and the server's (everything the account can
 * see, cached or not) as one list, newest first, each message once.
 */
export function mergeResults(local: readonly Message[], server: readonly Message[] | undefined): Message[] {
  const seen = new Set(local.map((m) => m.id));
  const merged = local.concat((server ?? []).filter((m) => !seen.has(m.id)));
  return merged.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
}
