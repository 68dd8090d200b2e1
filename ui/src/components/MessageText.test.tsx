import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PeopleContext } from '../hooks/usePersonLabel';
import { parseFormatting } from '../lib/formatParts';
import { splitLinks } from '../lib/linkParts';
import { installFakeShell } from '../test/fakeShell';
import { ada } from '../test/fixtures';
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
    render(<div>
      <MessageText body="docs at https://parley.example.org/docs, questions to ada@example.org" />
    </div>);
    const link = await screen.findByRole('link', { name: 'https://parley.example.org/docs' });
    expect(link).toHaveAttribute('href', 'https://parley.example.org/docs');
    expect(screen.getByRole('link', { name: 'ada@example.org' })).toHaveAttribute('href', 'mailto:ada@example.org');
    await user.click(link);
    expect(shell.callsOf('open_external')).toEqual([{ url: 'https://parley.example.org/docs' }]);
    expect(window.location.href).not.toContain('parley.example.org');
  });

  it('opens a focused link with Enter', async () => {
    const user = userEvent.setup();
    render(<div><MessageText body="https://example.org" /></div>);
    const link = await screen.findByRole('link', { name: 'https://example.org' });
    link.focus();
    await user.keyboard('{Enter}');
    expect(shell.callsOf('open_external')).toEqual([{ url: 'https://example.org' }]);
  });

  it('keeps markup as literal text around links', async () => {
    const body = '<b>bold?</b> <img src=x onerror=alert(1)> https://example.org';
    const { container } = render(<div><MessageText body={body} /></div>);
    await screen.findByRole('link');
    expect(container.querySelector('b, img')).toBeNull();
    expect(container).toHaveTextContent(body);
  });

  it('leaves text without links alone', () => {
    const { container } = render(<div><MessageText body="plain words" /></div>);
    expect(container.querySelector('a')).toBeNull();
    expect(container).toHaveTextContent('plain words');
  });
});

describe('parseFormatting', () => {
  it('reads the safe subset into blocks and inlines', () => {
    expect(parseFormatting('**b** *i* _j_ ~~s~~ `c`')).toEqual([{
      kind: 'paragraph',
      children: [
        { kind: 'strong', children: [{ kind: 'text', text: 'b' }] },
        { kind: 'text', text: ' ' },
        { kind: 'em', children: [{ kind: 'text', text: 'i' }] },
        { kind: 'text', text: ' ' },
        { kind: 'em', children: [{ kind: 'text', text: 'j' }] },
        { kind: 'text', text: ' ' },
        { kind: 'del', children: [{ kind: 'text', text: 's' }] },
        { kind: 'text', text: ' ' },
        { kind: 'code', text: 'c' },
      ],
    }]);
    expect(parseFormatting('> quoted\n\n```rust\nfn main() {}\n```')).toEqual([
      { kind: 'quote', children: [{ kind: 'paragraph', children: [{ kind: 'text', text: 'quoted' }] }] },
      { kind: 'code', text: 'fn main() {}' },
    ]);
  });

  it.each([
    '# not a heading',
    '- not a list\n1. nor this',
    '---',
    '[a link](https://example.org) ![a picture](https://example.org/x.png)',
    '<b>html</b> &amp; &#x41;',
    '<https://example.org>',
    'line one\n    indented line two\nline three',
  ])('keeps everything else as the text it was: %s', (body) => {
    expect(parseFormatting(body)).toEqual([{ kind: 'paragraph', children: [{ kind: 'text', text: body }] }]);
  });

  it('honours backslash escapes and leaves unclosed markup as text', () => {
    expect(parseFormatting(String.raw`\*not italic\*`)).toEqual([{ kind: 'paragraph', children: [{ kind: 'text', text: '*not italic*' }] }]);
    expect(parseFormatting('**unclosed ~~too `and this')).toEqual([{ kind: 'paragraph', children: [{ kind: 'text', text: '**unclosed ~~too `and this' }] }]);
  });
});

describe('MessageText formatting', () => {
  it('renders each construct as its element', async () => {
    const body = '**bold** *italic* _also_ ~~gone~~ `x = 1`\n> a quote\n\n```\nlet a = 1;\n  let b = 2;\n```';
    const { container } = render(<div><MessageText body={body} /></div>);
    expect(await screen.findByText('bold')).toHaveProperty('tagName', 'STRONG');
    expect(screen.getByText('italic').tagName).toBe('EM');
    expect(screen.getByText('also').tagName).toBe('EM');
    expect(screen.getByText('gone').tagName).toBe('DEL');
    expect(screen.getByText('x = 1').tagName).toBe('CODE');
    expect(container.querySelector('blockquote')).toHaveTextContent('a quote');
    expect(container.querySelector('pre')?.textContent).toBe('let a = 1;\n  let b = 2;');
  });

  it('nests formatting and keeps links and mentions working inside it', async () => {
    const { container } = render(
      <PeopleContext.Provider value={[ada]}>
        <div><MessageText body={'**see _https://example.org/docs_ @ada**'} mentions={['u-ada']} /></div>
      </PeopleContext.Provider>,
    );
    const link = await screen.findByRole('link', { name: 'https://example.org/docs' });
    expect(link.closest('em')?.closest('strong')).not.toBeNull();
    expect(container.querySelector('strong mark')).toHaveTextContent('@ada');
  });

  it('never links or marks inside code', async () => {
    const { container } = render(
      <PeopleContext.Provider value={[ada]}>
        <div><MessageText body={'`https://example.org` and\n```\nhttps://example.org/b @ada\n```'} mentions={['u-ada']} /></div>
      </PeopleContext.Provider>,
    );
    expect(await screen.findByText('https://example.org')).toHaveProperty('tagName', 'CODE');
    expect(container.querySelector('pre')).toHaveTextContent('https://example.org/b @ada');
    expect(screen.queryByRole('link')).toBeNull();
    expect(container.querySelector('mark')).toBeNull();
  });

  it('renders HTML in a formatted body as text', async () => {
    const body = '**<img src=x onerror=alert(1)>** <script>alert(1)</script> `<b>code</b>`';
    const { container } = render(<div><MessageText body={body} /></div>);
    await screen.findByText('<b>code</b>');
    expect(container.querySelector('img, script, b')).toBeNull();
    expect(container.querySelector('strong')).toHaveTextContent('<img src=x onerror=alert(1)>');
  });

  it('shows the body as typed when it has nothing to format', () => {
    const { container } = render(<div><MessageText body={'two\nlines, 3 * 4'} /></div>);
    expect(container.querySelector('strong, em, code')).toBeNull();
    expect(container.textContent).toBe('two\nlines, 3 * 4');
  });
});
