import { Fragment, useContext, useMemo, type MouseEvent } from 'react';
import { commands, errorMessage } from '../ipc';
import { PeopleContext } from '../hooks/usePersonLabel';
import { useBodyParts } from '../lib/linkify';
import { splitMentions } from '../lib/mentions';

const NONE: readonly string[] = [];

/**
 * A message body as React text nodes — never as HTML — with http(s) and mailto links made
 * clickable. A link never navigates the app's own window: click (or Enter on it) hands the
 * address to the system browser or mail app through `open_external`.
 */
export function MessageText({ body, mentions = NONE, meId = null }: {
  body: string;
  /** The members the server found named (`message.mentions`): shown as `mark`s. */
  mentions?: readonly string[];
  meId?: string | null;
}) {
  const parts = useBodyParts(body);
  const people = useContext(PeopleContext);
  const named = useMemo(
    () => new Map(people.filter((u) => mentions.includes(u.id)).map((u) => [u.username.toLowerCase(), u.id])),
    [people, mentions],
  );
  const text = (t: string) => <Mentions text={t} named={named} meId={meId} />;
  if (!parts) return text(body);
  return parts.map((p, i) => (
    <Fragment key={i}>{p.href === null ? text(p.text) : <ExternalLink href={p.href}>{p.text}</ExternalLink>}</Fragment>
  ));
}

function Mentions({ text, named, meId }: { text: string; named: ReadonlyMap<string, string>; meId: string | null }) {
  const parts = splitMentions(text, named);
  if (parts.length === 1 && parts[0]!.userId === null) return text;
  return parts.map((p, i) => (
    <Fragment key={i}>
      {p.userId === null ? p.text : <mark className={p.userId === meId ? 'mention me' : 'mention'}>{p.text}</mark>}
    </Fragment>
  ));
}

function ExternalLink({ href, children }: { href: string; children: string }) {
  function open(e: MouseEvent<HTMLAnchorElement>) {
    e.preventDefault();
    commands.openExternal(href).catch((err: unknown) => console.warn('parley: could not open link:', errorMessage(err)));
  }
  return (
    <a className="msg-link" href={href} title={href} rel="noreferrer noopener" onClick={open}
      onAuxClick={(e) => e.button === 1 && open(e)}>
      {children}
    </a>
  );
}
