// Loaded on demand (see ./linkify.ts): linkifyjs is not needed to paint the first screen.
import { tokenize } from 'linkifyjs';

/** A run of message text, or a link in it with the address it opens. */
export type BodyPart = { text: string; href: null } | { text: string; href: string };

/** Only these open from a message; anything else linkify may recognise stays text. */
const OPENABLE = /^(?:https?:\/\/|mailto:)/i;

/**
 * Splits a message body into text and http(s)/mailto links. The parts put back together are
 * exactly the body: nothing is added, dropped or interpreted as markup. A bare domain
 * (`example.org`) links to `http://example.org`, an address to `mailto:`.
 */
export function splitLinks(body: string): BodyPart[] {
  const parts: BodyPart[] = [];
  for (const token of tokenize(body)) {
    const text = token.toString();
    const href = token.isLink ? token.toHref() : null;
    if (href !== null && OPENABLE.test(href)) {
      parts.push({ text, href });
    } else {
      const last = parts[parts.length - 1];
      if (last && last.href === null) last.text += text;
      else parts.push({ text, href: null });
    }
  }
  return parts;
}
