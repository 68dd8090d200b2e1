// Serves dist-preview/ on a local port and screenshots the preview (fake data) with the
// system Chromium, in light and dark. Usage: npm run screenshot [-- outDir]
// The two pictures the docs show go to ../docs/screenshots/; the rest (sign-in, dialogs,
// 100k-message list, narrow window) to outDir (default dist-preview/shots/) for review.
// SHOTS=a.png,b.png limits the run to those files.
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..', 'dist-preview');
const outDir = resolve(process.argv[2] ?? join(root, 'shots'));
const docsDir = resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const DOCS = new Set(['ui-preview-light.png', 'ui-preview-dark.png']);
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^([/\\])+/, '');
  try {
    const body = await readFile(join(root, path || 'preview.html'));
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/preview.html`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
await mkdir(outDir, { recursive: true });
await mkdir(docsDir, { recursive: true });
const click = (name) => (page) => page.getByRole('button', { name, exact: true }).click();
const hover = (page) => page.getByRole('article').nth(-3).hover();
const shots = [
  ['ui-preview-light.png', 'light', '?open=c-ada', hover],
  ['ui-preview-dark.png', 'dark', '?open=c-ada'],
  ['ui-signin-light.png', 'light', '?screen=signin'],
  ['ui-signin-dark.png', 'dark', '?screen=signin'],
  ['ui-big-dark.png', 'dark', '?open=c-big'],
  ['ui-settings-dark.png', 'dark', '?open=c-ada', click('Settings')],
  ['ui-new-conversation-light.png', 'light', '', async (page) => {
    await click('New conversation')(page);
    await page.keyboard.type('a');
  }],
  ['ui-narrow-light.png', 'light', '?open=c-ada', null, { width: 420, height: 760 }],
];
const only = process.env.SHOTS?.split(',');
try {
  for (const [file, scheme, query, action, viewport] of shots) {
    if (only && !only.includes(file)) continue;
    const page = await browser.newPage({ viewport: viewport ?? { width: 1200, height: 780 }, colorScheme: scheme });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(base + query);
    await page.waitForTimeout(800);
    if (action) {
      await action(page);
      await page.waitForTimeout(300);
    }
    await page.screenshot({ path: join(DOCS.has(file) ? docsDir : outDir, file) });
    console.log(`${file}${errors.length ? ' ERRORS: ' + errors.join(' | ') : ''}`);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
