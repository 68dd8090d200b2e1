import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { VirtuosoMockContext } from 'react-virtuoso';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { selectedConversationStore } from '../state/navigation';
import { ada, conversation, me, message, sent, sessionState } from '../test/fixtures';
import { installFakeShell } from '../test/fakeShell';
import { renderWithClient } from '../test/render';
import { MainScreen } from './MainScreen';

describe('main screen', () => {
  let shell: ReturnType<typeof installFakeShell>;
  beforeEach(() => {
    selectedConversationStore.set(null);
    shell = installFakeShell({
      session_state: () => sessionState,
      conversations: () => [conversation('c1', 'Ada Lovelace', 0)],
      messages: () => [sent(message(1))],
      user: (a) => (a.id === me.id ? me : ada),
      get_draft: () => '',
      sessions: () => [],
      settings: () => ({ close_to_tray: true, theme: 'system' }),
    });
  });
  afterEach(() => shell.restore());

  const renderScreen = () => renderWithClient(
    <VirtuosoMockContext.Provider value={{ viewportHeight: 1000, itemHeight: 80 }}>
      <MainScreen />
    </VirtuosoMockContext.Provider>,
  );

  it('paints the list first, then loads a conversation when one is opened', async () => {
    const user = userEvent.setup();
    renderScreen();
    await user.click(await screen.findByRole('button', { name: /^Ada Lovelace/ }));
    expect(await screen.findByRole('heading', { name: 'Ada Lovelace' })).toBeInTheDocument();
    expect(await screen.findByRole('log', { name: 'Messages' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Attach file' })).toBeEnabled();
  });

  it('loads the dialogs on demand', async () => {
    const user = userEvent.setup();
    renderScreen();
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    expect(await screen.findByRole('dialog', { name: 'Settings' })).toBeInTheDocument();
    await user.keyboard('{Escape}');
    await user.click(screen.getByRole('button', { name: 'New conversation' }));
    expect(await screen.findByRole('dialog', { name: 'New conversation' })).toBeInTheDocument();
  });
});

describe('keyboard shortcuts', () => {
  let shell: ReturnType<typeof installFakeShell>;
  const list = [conversation('c1', 'Ada Lovelace', 0), conversation('c2', 'Book club', 3), conversation('c3', 'Chess', 0)];
  beforeEach(() => {
    selectedConversationStore.set(null);
    shell = installFakeShell({
      session_state: () => sessionState,
      conversations: () => list,
      messages: (a) => (a.conversationId === 'c1'
        ? [sent(message(1, { sender_id: me.id, body: 'my last words' })), sent(message(2, { body: 'their reply' }))]
        : []),
      user: (a) => (a.id === me.id ? me : ada),
      get_draft: () => '',
      set_draft: () => null,
      mark_read: () => null,
      typing: () => null,
    });
  });
  afterEach(() => shell.restore());

  const renderScreen = () => renderWithClient(
    <VirtuosoMockContext.Provider value={{ viewportHeight: 1000, itemHeight: 80 }}>
      <MainScreen />
    </VirtuosoMockContext.Provider>,
  );

  it('Ctrl+K jumps to a conversation by a fuzzy name, unread first', async () => {
    const user = userEvent.setup();
    renderScreen();
    await screen.findByRole('button', { name: /^Ada Lovelace/ });
    await user.keyboard('{Control>}k{/Control}');
    const dialog = await screen.findByRole('dialog', { name: 'Jump to conversation' });
    const options = within(dialog).getAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual(['Book club3', 'Ada Lovelace', 'Chess']);
    expect(options[0]).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('chs');
    expect(within(dialog).getAllByRole('option').map((o) => o.textContent)).toEqual(['Chess']);
    await user.keyboard('{Enter}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(selectedConversationStore.get()).toBe('c3');
  });

  it('Alt+arrows walk the list, Alt+Shift+Down finds the next unread, Ctrl+F focuses search', async () => {
    const user = userEvent.setup();
    renderScreen();
    await screen.findByRole('button', { name: /^Ada Lovelace/ });
    await user.keyboard('{Alt>}{ArrowDown}{/Alt}');
    expect(selectedConversationStore.get()).toBe('c1');
    await user.keyboard('{Alt>}{ArrowDown}{ArrowDown}{/Alt}');
    expect(selectedConversationStore.get()).toBe('c3');
    await user.keyboard('{Alt>}{ArrowUp}{/Alt}');
    expect(selectedConversationStore.get()).toBe('c2');
    await user.keyboard('{Alt>}{ArrowUp}{/Alt}');
    expect(selectedConversationStore.get()).toBe('c1');
    await user.keyboard('{Alt>}{Shift>}{ArrowDown}{/Shift}{/Alt}');
    expect(selectedConversationStore.get()).toBe('c2');
    await user.keyboard('{Control>}f{/Control}');
    expect(screen.getByRole('searchbox', { name: 'Search' })).toHaveFocus();
  });

  it('Ctrl+/ lists every shortcut', async () => {
    const user = userEvent.setup();
    renderScreen();
    await screen.findByRole('button', { name: /^Ada Lovelace/ });
    await user.keyboard('{Control>}/{/Control}');
    const dialog = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    for (const does of ['Jump to a conversation', 'Next conversation', 'Previous conversation', 'Show these shortcuts',
      'Edit your last message (in an empty message box)']) {
      expect(within(dialog).getByText(does)).toBeInTheDocument();
    }
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('Up in an empty composer edits your last message', async () => {
    const user = userEvent.setup();
    selectedConversationStore.set('c1');
    renderScreen();
    await screen.findByText('their reply');
    const box = await screen.findByRole('textbox', { name: 'Message' });
    await user.click(box);
    await user.keyboard('{ArrowUp}');
    await waitFor(() => expect(screen.getByRole('textbox', { name: 'Message' })).toHaveValue('my last words'));
  });
});
