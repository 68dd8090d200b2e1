import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectionStore } from '../state/connection';
import { jumpStore } from '../state/jump';
import { selectedConversationStore } from '../state/navigation';
import { searchScopeStore } from '../state/search';
import { ada, conversation, me, message, sessionState } from '../test/fixtures';
import { installFakeShell } from '../test/fakeShell';
import { renderWithClient } from '../test/render';
import { Sidebar } from './Sidebar';

const cached = message(7, { id: 'cached', conversation_id: 'c1', body: 'the planning doc', created_at: '2026-11-20T10:00:00Z' });
const older = message(3, { id: 'older', conversation_id: 'c1', body: 'first plan ever', created_at: '2026-01-02T10:00:00Z' });

describe('message search', () => {
  let shell: ReturnType<typeof installFakeShell>;
  beforeEach(() => {
    jumpStore.set(null);
    selectedConversationStore.set(null);
    searchScopeStore.set(null);
    shell = installFakeShell({
      session_state: () => sessionState,
      conversations: () => [conversation('c1', 'Ada Lovelace', 0), conversation('c2', 'Book club', 0)],
      user: (a) => (a.id === me.id ? me : ada),
      search: () => [cached],
      // The server knows history this device never fetched, and the cached one again.
      search_server: () => [cached, older],
    });
  });
  afterEach(() => {
    shell.restore();
    connectionStore.set('Connecting');
  });

  const renderSidebar = () => renderWithClient(<Sidebar onNewConversation={() => {}} onSettings={() => {}} />);

  it("merges the server's results into the local ones, once each, matches marked", async () => {
    connectionStore.set('Online');
    const user = userEvent.setup();
    renderSidebar();
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'plan{Enter}');
    const list = await screen.findByRole('list', { name: 'Search results' });
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(2));
    const items = within(list).getAllByRole('listitem');
    expect(items[0]).toHaveTextContent('the planning doc');
    expect(items[1]).toHaveTextContent('first plan ever');
    expect(Array.from(list.querySelectorAll('mark')).map((m) => m.textContent)).toEqual(['plan', 'plan']);

    await user.click(within(items[1]!).getByRole('button'));
    expect(selectedConversationStore.get()).toBe('c1');
    expect(jumpStore.get()).toEqual({ conversationId: 'c1', messageId: 'older', seq: 3 });
  });

  it('searches the cache alone offline, and says so', async () => {
    connectionStore.set('Offline');
    const user = userEvent.setup();
    renderSidebar();
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'plan{Enter}');
    const list = await screen.findByRole('list', { name: 'Search results' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(1);
    expect(screen.getByText('Offline: messages on this device only.')).toBeInTheDocument();
    expect(shell.callsOf('search_server')).toEqual([]);
  });

  it('is limited to one conversation from its scope, until searching everywhere again', async () => {
    connectionStore.set('Online');
    searchScopeStore.set({ conversationId: 'c1', title: 'Ada Lovelace' });
    const user = userEvent.setup();
    renderSidebar();
    const box = screen.getByRole('searchbox', { name: 'Search' });
    expect(box).toHaveAttribute('placeholder', 'Search in Ada Lovelace');
    await user.type(box, 'plan{Enter}');
    await screen.findByRole('list', { name: 'Search results' });
    expect(shell.callsOf('search')).toEqual([{ query: 'plan', conversationId: 'c1' }]);
    await waitFor(() => expect(shell.callsOf('search_server')).toEqual([{ query: 'plan', conversationId: 'c1' }]));
    await user.click(screen.getByRole('button', { name: 'Search everywhere' }));
    expect(box).toHaveAttribute('placeholder', 'Search');
  });
});
