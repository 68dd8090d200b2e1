import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { splitLinks } from '../lib/linkParts';
import { installFakeShell } from '../test/fakeShell';
import { MessageText } from './MessageText';

describe('splitLinks', () => {
  it.each([
    'see https://example.org/a?b=c#d, then mail ada@example.org.',
    'no links here, just text.',
    '<a href="javascript:alert(1)">x</a> www.example.com',
    'ftp://files.example.org/x and file:///etc/passwd',
    'multi\nline https://example.org\n\n  indented',
  ])('puts the body back together exactly: %s', (body) => {
    expect(splitLinks(body).map((p) => p.text).join('')).toBe(body);
  });

  it('links http(s), bare domains and e-mail addresses only', () => {
    const links = splitLinks('a https://x.example/p b example.org c ada@example.org d ftp://f.example.org e javascript:alert(1)')
      .filter((p) => p.href !== null)
      .map((p) => p.href);
    expect(links).toEqual(['https://x.example/p', 'http://example.org', 'mailto:ada@example.org']);
  });
});

describe('MessageText', () => {
  let shell: ReturnType<typeof installFakeShell>;
  beforeEach(() => {
    shell = installFakeShell({ open_external: () => undefined });
  });
  afterEach(() => shell.restore());

  it('renders links as anchors that open outside the app on click', async () => {
    const user = userEvent.setup();
    render(<p>
      <MessageText body="docs at https://parley.example.org/docs, questions to ada@example.org" />
    </p>);
    const link = await screen.findByRole('link', { name: 'https://parley.example.org/docs' });
    expect(link).toHaveAttribute('href', 'https://parley.example.org/docs');
    expect(screen.getByRole('link', { name: 'ada@example.org' })).toHaveAttribute('href', 'mailto:ada@example.org');
    await user.click(link);
    expect(shell.callsOf('open_external')).toEqual([{ url: 'https://parley.example.org/docs' }]);
    expect(window.location.href).not.toContain('parley.example.org');
  });

  it('opens a focused link with Enter', async () => {
    const user = userEvent.setup();
    render(<p><MessageText body="https://example.org" /></p>);
    const link = await screen.findByRole('link', { name: 'https://example.org' });
    link.focus();
    await user.keyboard('{Enter}');
    expect(shell.callsOf('open_external')).toEqual([{ url: 'https://example.org' }]);
  });

  it('keeps markup as literal text around links', async () => {
    const body = '<b>bold?</b> <img src=x onerror=alert(1)> https://example.org';
    const { container } = render(<p><MessageText body={body} /></p>);
    await screen.findByRole('link');
    expect(container.querySelector('b, img')).toBeNull();
    expect(container).toHaveTextContent(body);
  });

  it('leaves text without links alone', () => {
    const { container } = render(<p><MessageText body="plain words" /></p>);
    expect(container.querySelector('a')).toBeNull();
    expect(container).toHaveTextContent('plain words');
  });
});
