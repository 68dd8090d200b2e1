/**
 * How a person is named on screen, hardened against display-name impersonation (as Element
 * does): anyone can call themselves "Ada Lovelace", but only one account is `@ada`.
 *
 * The `@username` is shown beside the display name when:
 * - the display name isn't just the username (compared case-insensitively), since then the
 *   name alone says nothing about who it is; or
 * - someone else in the same conversation has the same display name — both then show it,
 *   so the genuine one can't be taken for the copy (or the other way round).
 *
 * Names are compared case-insensitively, NFKC-normalized and with whitespace collapsed, so
 * "ＡＤＡ" or "Ada " count as "ada". Bidi and zero-width characters aren't handled here: the
 * server rejects them in names.
 */

/** The fields of a profile this needs (a `User` fits). */
export interface Person {
  id: string;
  username: string;
  display_name: string;
}

export interface PersonLabel {
  /** The display name, or the username when there is none. */
  name: string;
  /** The username to show after the name, subdued; null when the name says enough. */
  handle: string | null;
}

/** The label for someone whose profile isn't cached (yet). */
export const UNKNOWN_PERSON: PersonLabel = { name: 'Unknown user', handle: null };

/** `person`'s label among `people` (everyone in the conversation; may include `person`). */
export function personLabel(person: Person, people: readonly Person[] = []): PersonLabel {
  const name = displayName(person);
  const key = comparable(name);
  const differs = key !== comparable(person.username);
  const collides = people.some((p) => p.id !== person.id && comparable(displayName(p)) === key);
  return { name, handle: differs || collides ? person.username : null };
}

const displayName = (p: Person) => p.display_name || p.username;

const comparable = (s: string) => s.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * The handle to show after a direct conversation's title (the other member's display name):
 * the other member's, judged among `people` (both members). Null while it isn't known who
 * I am or who they are.
 */
export function directPeerHandle(people: readonly Person[], meId: string | null): string | null {
  const peer = meId === null ? undefined : people.find((p) => p.id !== meId);
  return peer ? personLabel(peer, people).handle : null;
}

/** The display names (else usernames) of `ids` among `people`, for tooltips; `you` for `meId`. */
export function namesOf(people: readonly Person[], ids: readonly string[], meId: string | null = null): string[] {
  return ids.map((id) => {
    if (id === meId) return 'you';
    const p = people.find((u) => u.id === id);
    return p ? p.display_name || p.username : 'someone';
  });
}
