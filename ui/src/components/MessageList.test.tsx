import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { VirtuosoMockContext } from 'react-virtuoso';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { jumpStore } from '../state/jump';
import { viewerStore } from '../state/viewer';
import { clearTrays } from '../state/staging';
import { uploadFromEvent } from '../state/uploads';
import { noteTyping } from '../state/typing';
import type { CachedMessage, User } from '../ipc';
import { ada, conversation, me, message, sent, sessionState } from '../test/fixtures';
import { installFakeShell } from '../test/fakeShell';
import { renderWithClient } from '../test/render';
import { ConversationView } from './ConversationView';

const XSS = '<img src=x onerror=alert(1)>';

function thread(): CachedMessage[] {
  return [
    sent(message(1, { body: XSS })),
    sent(message(2, { body: 'mine', sender_id: me.id })),
    { message: { ...message(0, { sender_id: me.id, body: 'queued' }), id: 'local:q', client_id: 'q' }, delivery: { state: 'pending' } },
    { message: { ...message(0, { sender_id: me.id, body: 'refused' }), id: 'local:f', client_id: 'f' }, delivery: { state: 'failed', reason: 'too large' } },
  ];
}

function withFiles(): CachedMessage[] {
  return [
    // A file sent alone: the engine captions it with its name, which isn't shown twice.
    sent(message(1, { body: 'logs.zip', attachments: [{ id: 'a1', size: 1200, content_type: 'application/zip', sha256: 'ab'.repeat(32), name: 'logs.zip' }] })),
    sent(message(2, { body: 'read https://example.org/spec first' })),
  ];
}

function renderView() {
  return renderWithClient(
    <VirtuosoMockContext.Provider value={{ viewportHeight: 2000, itemHeight: 80 }}>
      <ConversationView conversationId="c1" onBack={() => {}} />
    </VirtuosoMockContext.Provider>,
  );
}

describe('conversation view', () => {
  let shell: ReturnType<typeof installFakeShell>;
  beforeEach(() => {
    shell = installFakeShell({
      session_state: () => sessionState,
      conversations: () => [conversation('c1', 'Ada Lovelace', 0)],
      messages: () => thread(),
      user: (a) => (a.id === me.id ? me : ada),
      get_draft: () => '',
    });
  });
  afterEach(() => {
    shell.restore();
    clearTrays();
  });

  it('has a heading and the Messages log with one article per message', async () => {
    renderView();
    expect(await screen.findByRole('heading', { name: 'Ada Lovelace' })).toBeInTheDocument();
    const log = await screen.findByRole('log', { name: 'Messages' });
    expect(await within(log).findAllByRole('article')).toHaveLength(4);
  });

  it('renders an HTML payload as literal text, never as markup', async () => {
    const { container } = renderView();
    expect(await screen.findByText(XSS)).toBeInTheDocument();
    expect(container.querySelector('img')).toBeNull();
  });

  it('offers Edit and Delete on own messages only, Reply and React on all', async () => {
    renderView();
    const articles = await screen.findAllByRole('article');
    const [theirs, mine] = articles;
    for (const name of ['Reply', 'React']) expect(within(theirs!).getByRole('button', { name })).toBeInTheDocument();
    expect(within(theirs!).queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(within(mine!).getByRole('button', { name: 'Edit' })).toBeInTheDocument();
    expect(within(mine!).getByRole('button', { name: 'Delete' })).toBeInTheDocument();
  });

  it('shows pending and failed messages with Retry and Discard', async () => {
    const user = userEvent.setup();
    renderView();
    const articles = await screen.findAllByRole('article');
    expect(articles[2]).toHaveTextContent('Sending…');
    expect(articles[3]).toHaveTextContent('too large');
    await user.click(within(articles[3]!).getByRole('button', { name: 'Retry' }));
    expect(shell.callsOf('retry_message')).toEqual([{ clientId: 'f' }]);
    await user.click(within(articles[3]!).getByRole('button', { name: 'Discard' }));
    expect(shell.callsOf('discard_message')).toEqual([{ clientId: 'f' }]);
  });

  it('Reply puts a reply preview in the composer', async () => {
    const user = userEvent.setup();
    renderView();
    const [first] = await screen.findAllByRole('article');
    await user.click(within(first!).getByRole('button', { name: 'Reply' }));
    expect(screen.getByRole('button', { name: 'Cancel reply' })).toBeInTheDocument();
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'ok{Enter}');
    expect(shell.callsOf('send_message')).toEqual([{ conversationId: 'c1', body: 'ok', replyTo: 'm1', stagedIds: [] }]);
  });

  it('reacts through the Pick a reaction dialog: recent ones first, the full set searchable', async () => {
    localStorage.clear();
    const user = userEvent.setup();
    renderView();
    const [first] = await screen.findAllByRole('article');
    await user.click(within(first!).getByRole('button', { name: 'React' }));
    let dialog = await screen.findByRole('dialog', { name: 'Pick a reaction' });
    const recent = within(dialog).getByRole('region', { name: 'Recently used' });
    await user.click(await within(recent).findByRole('button', { name: '👍 thumbs up' }));
    expect(shell.callsOf('react')).toEqual([{ conversationId: 'c1', messageId: 'm1', emoji: '👍', on: true }]);
    expect(screen.queryByRole('dialog')).toBeNull();

    await user.click(within(first!).getByRole('button', { name: 'React' }));
    dialog = await screen.findByRole('dialog', { name: 'Pick a reaction' });
    expect(within(dialog).getByRole('searchbox', { name: 'Search emoji' })).toHaveFocus();
    await user.keyboard('rocket');
    expect(await within(dialog).findByRole('button', { name: '🚀 rocket' })).toBeInTheDocument();
    await user.keyboard('{ArrowDown}');
    expect(within(dialog).getByRole('button', { name: '🚀 rocket' })).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(shell.callsOf('react').at(-1)).toEqual({ conversationId: 'c1', messageId: 'm1', emoji: '🚀', on: true });

    // The newest reaction leads the recent ones next time.
    await user.click(within(first!).getByRole('button', { name: 'React' }));
    dialog = await screen.findByRole('dialog', { name: 'Pick a reaction' });
    const again = within(within(dialog).getByRole('region', { name: 'Recently used' })).getAllByRole('button');
    expect(again.slice(0, 2).map((b) => b.textContent)).toEqual(['🚀', '👍']);
  });

  it('reacts in the skin tone chosen, and remembers the choice', async () => {
    localStorage.clear();
    const user = userEvent.setup();
    renderView();
    const [first] = await screen.findAllByRole('article');
    await user.click(within(first!).getByRole('button', { name: 'React' }));
    let dialog = await screen.findByRole('dialog', { name: 'Pick a reaction' });
    const tones = within(dialog).getByRole('radiogroup', { name: 'Skin tone' });
    expect(within(tones).getByRole('radio', { name: 'Default skin tone' })).toBeChecked();
    await user.click(within(tones).getByRole('radio', { name: 'Medium skin tone' }));
    await user.type(within(dialog).getByRole('searchbox', { name: 'Search emoji' }), 'waving');
    await user.click(await within(dialog).findByRole('button', { name: '👋🏽 waving hand: medium skin tone' }));
    expect(shell.callsOf('react').at(-1)).toEqual({ conversationId: 'c1', messageId: 'm1', emoji: '👋🏽', on: true });

    await user.click(within(first!).getByRole('button', { name: 'React' }));
    dialog = await screen.findByRole('dialog', { name: 'Pick a reaction' });
    expect(within(dialog).getByRole('radio', { name: 'Medium skin tone' })).toBeChecked();
    // Emoji without tones stay as they are.
    await user.type(within(dialog).getByRole('searchbox', { name: 'Search emoji' }), 'rocket');
    expect(await within(dialog).findByRole('button', { name: '🚀 rocket' })).toBeInTheDocument();
  });

  it('shows a reaction at once, before the engine answers', async () => {
    shell.handlers.react = () => new Promise(() => {}); // never answers
    const user = userEvent.setup();
    renderView();
    const [first] = await screen.findAllByRole('article');
    await user.click(within(first!).getByRole('button', { name: 'React' }));
    const dialog = await screen.findByRole('dialog', { name: 'Pick a reaction' });
    const recent = within(dialog).getByRole('region', { name: 'Recently used' });
    await user.click(await within(recent).findByRole('button', { name: '🎉 party popper' }));
    expect(await within(first!).findByRole('button', { name: '🎉 1' })).toHaveAttribute('aria-pressed', 'true');
  });

  it('shows edits, deletions and reactions made here that the server has not yet', async () => {
    shell.handlers.messages = () => [
      { ...sent(message(1, { body: 'fixed typo', sender_id: me.id })), unsent: { edit: true, delete: false, reactions: [] } },
      { ...sent(message(2, { body: '', deleted: true, sender_id: me.id })), unsent: { edit: false, delete: true, reactions: [] } },
      {
        ...sent(message(3, { body: 'nice', reactions: [{ emoji: '👍', count: 1, user_ids: [me.id] }, { emoji: '🎉', count: 1, user_ids: [ada.id] }] })),
        unsent: { edit: false, delete: false, reactions: ['👍'] },
      },
      sent(message(4, { body: 'settled', reactions: [{ emoji: '👍', count: 1, user_ids: [me.id] }] })),
    ];
    renderView();
    const [edited, deleted, reacted, settled] = await screen.findAllByRole('article');
    expect(edited).toHaveTextContent('fixed typo');
    expect(edited).toHaveTextContent('Saving edit…');
    expect(deleted).toHaveTextContent('This message was deleted.');
    expect(deleted).toHaveTextContent('Deleting…');
    const unsentChip = within(reacted!).getByRole('button', { name: '👍 1' });
    expect(unsentChip).toHaveClass('pending');
    expect(unsentChip.title).toMatch(/not sent yet/);
    expect(within(reacted!).getByRole('button', { name: '🎉 1' })).not.toHaveClass('pending');
    expect(reacted).not.toHaveTextContent('Saving');
    expect(within(settled!).getByRole('button', { name: '👍 1' })).not.toHaveClass('pending');
    expect(settled).not.toHaveTextContent('Saving');
  });

  it('shows each file of a pending message uploading, and cancels the upload', async () => {
    shell.handlers.cancel_upload = () => true;
    const user = userEvent.setup();
    renderView();
    await screen.findAllByRole('article');
    act(() => uploadFromEvent('q', 's1', { name: 'big.bin', sent: 512, total: 1024 }));
    const bar = await screen.findByRole('progressbar', { name: 'Uploading big.bin' });
    expect(bar).toHaveAttribute('aria-valuenow', '50');
    await user.click(screen.getByRole('button', { name: 'Cancel upload' }));
    expect(shell.callsOf('cancel_upload')).toEqual([{ clientId: 'q' }]);
    await waitFor(() => expect(screen.queryByRole('progressbar')).toBeNull());
  });

  it('marks the newest message read while open and focused', async () => {
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    renderView();
    await waitFor(() => expect(shell.callsOf('mark_read')).toEqual([{ conversationId: 'c1', seq: 2 }]));
  });

  it('does not mark read while the window is not focused', async () => {
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    renderView();
    await screen.findAllByRole('article');
    expect(shell.callsOf('mark_read')).toEqual([]);
  });

  it('shows a file-only message without an empty body, and links in text', async () => {
    shell.handlers.messages = () => withFiles();
    renderView();
    const [files, text] = await screen.findAllByRole('article');
    expect(within(files!).getByText('logs.zip')).toBeInTheDocument();
    expect(within(files!).getByRole('button', { name: 'Save logs.zip' })).toBeInTheDocument();
    expect(files!.querySelector('.msg-body')).toBeNull();
    expect(await within(text!).findByRole('link', { name: 'https://example.org/spec' })).toBeInTheDocument();
  });

  it("keeps names that are usernames plain", async () => {
    renderView();
    const [theirs] = await screen.findAllByRole('article');
    expect(within(theirs!).getByText('Ada')).toHaveTextContent(/^Ada$/);
    expect(screen.queryByText(/@ada/)).toBeNull();
  });

  it('shows the @username beside a display name that differs from it, outside the heading', async () => {
    const adaLovelace: User = { ...ada, display_name: 'Ada Lovelace' };
    shell.handlers.user = (a) => (a.id === me.id ? me : adaLovelace);
    renderView();
    const [theirs, mine] = await screen.findAllByRole('article');
    expect(await within(theirs!).findByText('@ada')).toHaveClass('handle');
    expect(theirs!.querySelector('.msg-sender')).toHaveTextContent('Ada Lovelace @ada');
    expect(theirs).toHaveAccessibleName(/^Ada Lovelace \(@ada\), /);
    expect(mine!.querySelector('.msg-sender')).toHaveTextContent(/^Sam$/);
    // The heading is the title alone (PRODUCT.md §4); the handle is on the line under it.
    const heading = screen.getByRole('heading', { name: 'Ada Lovelace' });
    expect(heading.parentElement).toHaveTextContent('@ada · Direct message');
  });

  it('shows the @username of both people sharing a display name', async () => {
    const eve: User = { id: 'u-eve', username: 'eve', display_name: 'Ada', created_at: ada.created_at, last_seen_at: null, show_presence: true };
    const people = [me, ada, eve];
    const group = conversation('c1', 'Crew', 0);
    group.conversation.kind = 'group';
    group.conversation.members = people.map((u) => ({ user_id: u.id, role: 'member', last_read_seq: 0 }));
    shell.handlers.conversations = () => [group];
    shell.handlers.user = (a) => people.find((u) => u.id === a.id) ?? null;
    shell.handlers.messages = () => [sent(message(1)), sent(message(2, { sender_id: eve.id })), sent(message(3, { sender_id: me.id }))];
    renderView();
    const [fromAda, fromEve, mine] = await screen.findAllByRole('article');
    await waitFor(() => expect(fromAda!.querySelector('.msg-sender')).toHaveTextContent('Ada @ada'));
    expect(fromEve!.querySelector('.msg-sender')).toHaveTextContent('Ada @eve');
    expect(mine!.querySelector('.msg-sender')).toHaveTextContent(/^Sam$/);
  });

  it('says who is typing, the @username after the pinned text', async () => {
    shell.handlers.user = (a) => (a.id === me.id ? me : { ...ada, display_name: 'Ada Lovelace' });
    renderView();
    await screen.findAllByRole('article');
    act(() => noteTyping('c1', ada.id));
    expect(await screen.findByText('Ada Lovelace is typing…')).toBeInTheDocument();
    expect(screen.getByText('Ada Lovelace is typing…').parentElement).toHaveTextContent('Ada Lovelace is typing… @ada');
  });

  it('stages files dropped on the conversation', async () => {
    shell.handlers.stage_attachment = () => ({ staged_id: 's1', name: 'drop.txt', size: 4, content_type: 'text/plain' });
    renderView();
    const view = (await screen.findByRole('heading', { name: 'Ada Lovelace' })).closest('section')!;
    const dataTransfer = { files: [new File(['drop'], 'drop.txt', { type: 'text/plain' })], types: ['Files'] };
    fireEvent.dragEnter(view, { dataTransfer });
    expect(screen.getByText('Drop files to attach')).toBeInTheDocument();
    fireEvent.drop(view, { dataTransfer });
    expect(screen.queryByText('Drop files to attach')).toBeNull();
    expect(await screen.findByRole('button', { name: 'Remove drop.txt' })).toBeInTheDocument();
    await waitFor(() => expect(shell.callsOf('stage_attachment')).toHaveLength(1));
  });
});

/** The `before` of every `messages` call: which pages were loaded. */
function befores(shell: ReturnType<typeof installFakeShell>) {
  return shell.callsOf('messages').map((a) => (a as { before: number | null }).before);
}

describe('jumping to a message', () => {
  let shell: ReturnType<typeof installFakeShell>;
  // 150 messages: the newest page (100) is loaded first; seq 1–50 come with the next page.
  const all = Array.from({ length: 150 }, (_, i) => sent(message(i + 1, { id: `m${i + 1}`, body: `message ${i + 1}` })));
  beforeEach(() => {
    jumpStore.set(null);
    shell = installFakeShell({
      session_state: () => sessionState,
      conversations: () => [conversation('c1', 'Ada Lovelace', 0)],
      messages: (a) => {
        const before = (a.before as number | null) ?? Infinity;
        const older = all.filter((m) => m.message.seq < before);
        return older.slice(Math.max(0, older.length - (a.limit as number)));
      },
      user: (a) => (a.id === me.id ? me : ada),
      get_draft: () => '',
    });
  });
  afterEach(() => shell.restore());

  it("a reply's quote goes to the original and marks it current", async () => {
    all[148] = sent(message(149, { id: 'm149', body: 'answering 120', reply_to: 'm120' }));
    const user = userEvent.setup();
    renderView();
    const log = await screen.findByRole('log', { name: 'Messages' });
    await user.click(await within(log).findByRole('button', { name: 'Go to message from Ada' }));
    // (The list is shown anew at the message: find it again.)
    await waitFor(() => expect(screen.getByRole('log', { name: 'Messages' }).querySelector('article[aria-current="true"]'))
      .toHaveAttribute('data-message-id', 'm120'));
    expect(befores(shell)).toEqual([null]);
  });

  it('loads older history until the original is in', async () => {
    all[149] = sent(message(150, { id: 'm150', body: 'answering the first', reply_to: 'm1' }));
    const user = userEvent.setup();
    renderView();
    const log = await screen.findByRole('log', { name: 'Messages' });
    // m1 isn't loaded: its quote can't name the sender yet.
    await user.click(await within(log).findByRole('button', { name: 'Go to the earlier message' }));
    // (jsdom doesn't scroll, so the list can't be seen moving there; the jump lands on it.)
    await waitFor(() => expect(jumpStore.get()).toEqual({ conversationId: 'c1', messageId: 'm1', seq: null, landed: true }));
    expect(befores(shell)).toContain(51);
  });
});

describe('a search result jumps into history the device never had', () => {
  let shell: ReturnType<typeof installFakeShell>;
  // A first sign-in cached the latest 50 of 81; the rest come from the server on demand.
  const all = Array.from({ length: 81 }, (_, i) => sent(message(i + 1, { id: `m${i + 1}`, body: `message ${i + 1}` })));
  beforeEach(() => {
    jumpStore.set(null);
    shell = installFakeShell({
      session_state: () => sessionState,
      conversations: () => [conversation('c1', 'Ada Lovelace', 0)],
      messages: (a) => {
        const before = a.before as number | null;
        if (before === null) return all.slice(31);
        const older = all.filter((m) => m.message.seq < before);
        return older.slice(Math.max(0, older.length - (a.limit as number)));
      },
      user: (a) => (a.id === me.id ? me : ada),
      get_draft: () => '',
    });
  });
  afterEach(() => shell.restore());

  it('opens the conversation and loads older pages until the result is in', async () => {
    jumpStore.set({ conversationId: 'c1', messageId: 'm1', seq: 1 });
    renderView();
    await waitFor(() => expect(jumpStore.get()).toEqual({ conversationId: 'c1', messageId: 'm1', seq: 1, landed: true }));
    expect(befores(shell)).toEqual([null, 32]);
  });
});

describe('the Image viewer', () => {
  let shell: ReturnType<typeof installFakeShell>;
  const picture = (n: number) => ({ id: `p${n}`, size: 2048, content_type: 'image/png', sha256: 'ab'.repeat(32), name: `photo${n}.png` });
  beforeEach(() => {
    viewerStore.set(null);
    URL.createObjectURL = vi.fn(() => 'blob:parley/x');
    URL.revokeObjectURL = vi.fn();
    shell = installFakeShell({
      session_state: () => sessionState,
      conversations: () => [conversation('c1', 'Ada Lovelace', 0)],
      messages: () => [
        sent(message(1, { body: '', attachments: [picture(1)] })),
        sent(message(2, { body: 'two at once', attachments: [picture(2), picture(3)] })),
      ],
      user: (a) => (a.id === me.id ? me : ada),
      get_draft: () => '',
      attachment_thumbnail: () => new ArrayBuffer(8),
      attachment_image: () => new ArrayBuffer(64),
    });
  });
  afterEach(() => shell.restore());

  it("opens a picture, steps through the conversation's pictures, and closes with Escape", async () => {
    const user = userEvent.setup();
    renderView();
    await user.click(await screen.findByRole('button', { name: 'Open photo2.png' }));
    const viewer = await screen.findByRole('dialog', { name: 'Image viewer' });
    expect(viewer).toHaveTextContent('photo2.png');
    expect(viewer).toHaveTextContent('2 of 3');
    expect(await within(viewer).findByRole('img', { name: 'photo2.png' })).toBeInTheDocument();
    expect(shell.callsOf('attachment_image')).toEqual([{ attachmentId: 'p2' }]);

    await user.click(within(viewer).getByRole('button', { name: 'Next picture' }));
    expect(screen.getByRole('dialog', { name: 'Image viewer' })).toHaveTextContent('3 of 3');
    expect(within(screen.getByRole('dialog')).getByRole('button', { name: 'Next picture' })).toBeDisabled();
    await user.keyboard('{ArrowLeft}{ArrowLeft}');
    expect(screen.getByRole('dialog', { name: 'Image viewer' })).toHaveTextContent('1 of 3');

    const zoom = within(screen.getByRole('dialog')).getByRole('button', { name: 'Actual size' });
    await user.click(zoom);
    expect(within(screen.getByRole('dialog')).getByRole('button', { name: 'Zoom to fit' })).toHaveAttribute('aria-pressed', 'true');

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(viewerStore.get()).toBeNull();
  });
});
