import { Fragment, type MouseEvent } from 'react';
import { commands, errorMessage } from '../ipc';
import { useBodyParts } from '../lib/linkify';

/**
 * A message body as React text nodes — never as HTML — with http(s) and mailto links made
 * clickable. A link never navigates the app's own window: click (or Enter on it) hands the
 * address to the system browser or mail app through `open_external`.
 */
export function MessageText({ body }: { body: string }) {
  const parts = useBodyParts(body);
  if (!parts) return body;
  return parts.map((p, i) => (
    <Fragment key={i}>{p.href === null ? p.text : <ExternalLink href={p.href}>{p.text}</ExternalLink>}</Fragment>
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
