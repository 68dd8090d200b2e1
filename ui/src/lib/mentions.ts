/**
 * `@username` mentions, read as the server reads them (`parley_protocol::mentions`): an `@`
 * at the start or after whitespace, then username characters (`a-z 0-9 _ . -`, any case);
 * trailing dots and dashes are sentence punctuation unless the name needs them.
 */

const USERNAME_CHAR = /[A-Za-z0-9_.-]/;

/** A run of text, or a mention of the user with this id. */
export type MentionPart = { text: string; userId: null } | { text: string; userId: string };

/**
 * Splits `text` around the mentions of `named` (username → user id, lower case keys). The
 * parts put back together are exactly `text`.
 */
export function splitMentions(text: string, named: ReadonlyMap<string, string>): MentionPart[] {
  if (named.size === 0 || !text.includes('@')) return [{ text, userId: null }];
  const parts: MentionPart[] = [];
  let plain = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    const atStart = i === 0 || /\s/.test(text[i - 1]!);
    if (ch === '@' && atStart) {
      let end = i + 1;
      while (end < text.length && USERNAME_CHAR.test(text[end]!)) end++;
      const written = text.slice(i + 1, end);
      const trimmed = written.replace(/[.-]+$/, '');
      const hit = [written, trimmed].find((n) => n.length > 0 && named.has(n.toLowerCase()));
      if (hit !== undefined) {
        if (plain) parts.push({ text: plain, userId: null });
        plain = '';
        parts.push({ text: `@${hit}`, userId: named.get(hit.toLowerCase())! });
        i += 1 + hit.length;
        continue;
      }
    }
    plain += ch;
    i++;
  }
  if (plain) parts.push({ text: plain, userId: null });
  return parts;
}

/** The `@query` being typed just before `caret`, if any: where it starts and what it says. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  let start = caret;
  while (start > 0 && USERNAME_CHAR.test(text[start - 1]!)) start--;
  if (start === 0 || text[start - 1] !== '@') return null;
  const at = start - 1;
  if (at > 0 && !/\s/.test(text[at - 1]!)) return null;
  return { start: at, query: text.slice(start, caret) };
}
