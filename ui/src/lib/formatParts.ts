// Loaded on demand (see ./formatting.ts): markdown-it is not needed to paint the first screen.
import MarkdownIt, { type Token } from 'markdown-it';

/** Inline content of a formatted body: plain text (links and mentions are found in it later). */
export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'strong' | 'em' | 'del'; children: Inline[] };

/** Block content: paragraphs, `> ` quotes and fenced code. */
export type Block =
  | { kind: 'paragraph'; children: Inline[] }
  | { kind: 'quote'; children: Block[] }
  | { kind: 'code'; text: string };

/**
 * The safe subset of markdown a message may use (PRODUCT.md §4 "Messages"): `**bold**`,
 * `*italic*`/`_italic_`, `~~strike~~`, `` `code` ``, fenced code blocks and `> ` quotes, plus
 * backslash escapes. Everything else — headings, lists, raw HTML, entities, images, link
 * syntax, indented code — is not a rule here, so it stays the text it was. Newlines stay
 * literal characters inside text (the `newline` rule is off), so line breaks and indentation
 * show as typed. Parsed by markdown-it's allowlist preset into tokens, never rendered by it.
 */
const md = new MarkdownIt('zero')
  .enable(['blockquote', 'fence'])
  .enable(['emphasis', 'strikethrough', 'backticks', 'escape']);

/** The body as blocks. Text put back together loses only the markup characters and escapes. */
export function parseFormatting(body: string): Block[] {
  const tokens = md.parse(body, {});
  const root: Block[] = [];
  const stack: Block[][] = [root];
  for (const token of tokens) {
    const into = stack[stack.length - 1]!;
    switch (token.type) {
      case 'blockquote_open': {
        const quote: Block = { kind: 'quote', children: [] };
        into.push(quote);
        stack.push(quote.children);
        break;
      }
      case 'blockquote_close':
        if (stack.length > 1) stack.pop();
        break;
      case 'fence':
        into.push({ kind: 'code', text: token.content.replace(/\n$/, '') });
        break;
      case 'inline':
        into.push({ kind: 'paragraph', children: inlines(token.children ?? []) });
        break;
      // paragraph_open/close carry nothing the block list doesn't already say.
    }
  }
  return root;
}

const OPENERS: Partial<Record<string, 'strong' | 'em' | 'del'>> = {
  strong_open: 'strong',
  em_open: 'em',
  s_open: 'del',
};

function inlines(tokens: Token[]): Inline[] {
  const root: Inline[] = [];
  const stack: Inline[][] = [root];
  const push = (into: Inline[], text: string) => {
    if (!text) return;
    const last = into[into.length - 1];
    if (last?.kind === 'text') last.text += text;
    else into.push({ kind: 'text', text });
  };
  for (const token of tokens) {
    const into = stack[stack.length - 1]!;
    const opens = OPENERS[token.type];
    if (opens) {
      const node: Inline = { kind: opens, children: [] };
      into.push(node);
      stack.push(node.children);
    } else if (token.nesting === -1) {
      if (stack.length > 1) stack.pop();
    } else if (token.type === 'code_inline') {
      into.push({ kind: 'code', text: token.content });
    } else if (token.type === 'softbreak' || token.type === 'hardbreak') {
      push(into, '\n');
    } else {
      push(into, token.content);
    }
  }
  return root;
}
