import { Fragment, useContext, useMemo, type MouseEvent, type ReactNode } from 'react';
import { commands, errorMessage } from '../ipc';
import { PeopleContext } from '../hooks/usePersonLabel';
import { useFormatting, type Block, type Inline } from '../lib/formatting';
import { useBodyParts } from '../lib/linkify';
import { splitMentions } from '../lib/mentions';

const NONE: readonly string[] = [];

/**
 * A message body as React elements — never as HTML. Its formatting (the safe subset of
 * `lib/formatParts`: bold, italic, strike, code, code blocks, quotes) becomes `strong`, `em`,
 * `del`, `code`, `pre` and `blockquote`; in its text, http(s) and mailto links are made
 * clickable and the members the server found named are marked. A link never navigates the
 * app's own window: click (or Enter on it) hands the address to the system browser or mail
 * app through `open_external`.
 */
export function MessageText({ body, mentions = NONE, meId = null }: {
  body: string;
  /** The members the server found named (`message.mentions`): shown as `mark`s. */
  mentions?: readonly string[];
  meId?: string | null;
}) {
  const blocks = useFormatting(body);
  const people = useContext(PeopleContext);
  const named = useMemo(
    () => new Map(people.filter((u) => mentions.includes(u.id)).map((u) => [u.username.toLowerCase(), u.id])),
    [people, mentions],
  );
  const text = (t: string) => <LinkedText text={t} named={named} meId={meId} />;
  if (!blocks) return <div className="msg-para">{text(body)}</div>;
  return <Blocks blocks={blocks} text={text} />;
}

type TextRenderer = (text: string) => ReactNode;

function Blocks({ blocks, text }: { blocks: readonly Block[]; text: TextRenderer }) {
  return blocks.map((b, i) => {
    switch (b.kind) {
      case 'paragraph':
        return <div key={i} className="msg-para"><Inlines nodes={b.children} text={text} /></div>;
      case 'quote':
        return <blockquote key={i} className="msg-quote"><Blocks blocks={b.children} text={text} /></blockquote>;
      case 'code':
        return <pre key={i} className="msg-pre" tabIndex={0}><code>{b.text}</code></pre>;
    }
  });
}

function Inlines({ nodes, text }: { nodes: readonly Inline[]; text: TextRenderer }) {
  return nodes.map((n, i) => {
    switch (n.kind) {
      case 'text':
        return <Fragment key={i}>{text(n.text)}</Fragment>;
      case 'code':
        return <code key={i} className="msg-code">{n.text}</code>;
      case 'strong':
        return <strong key={i}><Inlines nodes={n.children} text={text} /></strong>;
      case 'em':
        return <em key={i}><Inlines nodes={n.children} text={text} /></em>;
      case 'del':
        return <del key={i}><Inlines nodes={n.children} text={text} /></del>;
    }
  });
}

/** Text with its links clickable and its mentions marked. */
function LinkedText({ text, named, meId }: { text: string; named: ReadonlyMap<string, string>; meId: string | null }) {
  const parts = useBodyParts(text);
  const plain = (t: string) => <Mentions text={t} named={named} meId={meId} />;
  if (!parts) return plain(text);
  return parts.map((p, i) => (
    <Fragment key={i}>{p.href === null ? plain(p.text) : <ExternalLink href={p.href}>{p.text}</ExternalLink>}</Fragment>
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
