import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { selectedConversationStore } from '../state/navigation';
import type { User } from '../ipc';
import { ada, conversation, me, message, sessionState } from '../test/fixtures';
import { installFakeShell } from '../test/fakeShell';
import { renderWithClient } from '../test/render';
import { Sidebar } from './Sidebar';

const list = [
  conversation('c1', 'Ada Lovelace', 3, message(7, { body: 'See you <b>tomorrow</b>' })),
  conversation('c2', 'Design crew', 0),
  conversation('c3', 'Release notes', 0, message(9, { body: '> **shipped** the _new_ `build`\n~~not yet~~ \\*really\\*' })),
];

describe('conversation list', () => {
  let shell: ReturnType<typeof installFakeShell>;
  beforeEach(() => {
    selectedConversationStore.set(null);
    shell = installFakeShell({
      conversations: () => list,
      session_state: () => sessionState,
      search: () => [],
      user: (a) => (a.id === me.id ? me : ada),
    });
  });
  afterEach(() => shell.restore());

  it('sits in the Conversations landmark with the search box and New conversation', async () => {
    renderWithClient(<Sidebar onNewConversation={() => {}} onSettings={() => {}} />);
    const nav = screen.getByRole('navigation', { name: 'Conversations' });
    expect(within(nav).getByRole('searchbox', { name: 'Search' })).toBeInTheDocument();
    expect(within(nav).getByRole('button', { name: 'New conversation' })).toBeInTheDocument();
    expect(await within(nav).findByRole('list')).toBeInTheDocument();
  });

  it("names each item starting with its title and labels the unread badge", async () => {
    renderWithClient(<Sidebar onNewConversation={() => {}} onSettings={() => {}} />);
    const items = await screen.findAllByRole('listitem');
    expect(items).toHaveLength(3);
    expect(items[0]).toHaveAccessibleName(/^Ada Lovelace/);
    expect(items[1]).toHaveAccessibleName(/^Design crew/);
    expect(screen.getByRole('button', { name: /^Ada Lovelace/ })).toBeInTheDocument();
    expect(within(items[0]!).getByLabelText('3 unread')).toHaveTextContent('3');
    expect(within(items[1]!).queryByLabelText(/unread/)).toBeNull();
    expect(items[0]).toHaveTextContent('See you <b>tomorrow</b>');
  });

  it('previews a formatted message as its text, without the markup', async () => {
    renderWithClient(<Sidebar onNewConversation={() => {}} onSettings={() => {}} />);
    const item = (await screen.findAllByRole('listitem'))[2]!;
    await waitFor(() => expect(item).toHaveTextContent('shipped the new build not yet *really*'));
    expect(item).not.toHaveTextContent('**');
  });

  it('filters by title as you type and opens a conversation on click', async () => {
    const user = userEvent.setup();
    renderWithClient(<Sidebar onNewConversation={() => {}} onSettings={() => {}} />);
    await screen.findAllByRole('listitem');
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'design');
    expect(screen.getAllByRole('listitem')).toHaveLength(1);
    await user.click(screen.getByRole('button', { name: /^Design crew/ }));
    expect(selectedConversationStore.get()).toBe('c2');
  });

  it('marks a conversation unread from its menu (Shift+F10), and read again', async () => {
    const user = userEvent.setup();
    shell.handlers.mark_unread = () => undefined;
    shell.handlers.mark_read = () => undefined;
    renderWithClient(<Sidebar onNewConversation={() => {}} onSettings={() => {}} />);
    const row = await screen.findByRole('button', { name: /^Design crew/ });
    row.focus();
    await user.keyboard('{Shift>}{F10}{/Shift}');
    const menu = screen.getByRole('menu', { name: 'Actions for Design crew' });
    expect(within(menu).getByRole('menuitem', { name: 'Mark as unread' })).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(shell.callsOf('mark_unread')).toEqual([{ conversationId: 'c2', on: true }]);
    expect(screen.queryByRole('menu')).toBeNull();
    expect(row).toHaveFocus();
    const item = screen.getAllByRole('listitem')[1]!;
    expect(within(item).getByLabelText('Marked unread')).toBeInTheDocument();

    await user.pointer({ keys: '[MouseRight]', target: row });
    await user.click(screen.getByRole('menuitem', { name: 'Mark as read' }));
    expect(shell.callsOf('mark_read')).toEqual([{ conversationId: 'c2', seq: 0 }]);
    expect(within(item).queryByLabelText('Marked unread')).toBeNull();
  });

  it('shows the other live accounts with their unread counts, one click away', async () => {
    const user = userEvent.setup();
    shell.handlers.session_state = () => ({
      ...sessionState,
      accounts: [...sessionState.accounts, { label: 'sam@work.example', server: 'https://work.example', username: 'sam.w', user_id: 'u9', unread: 3 }],
    });
    shell.handlers.switch_account = () => undefined;
    renderWithClient(<Sidebar onNewConversation={() => {}} onSettings={() => {}} />);
    const group = await screen.findByRole('group', { name: 'Other accounts' });
    const other = within(group).getByRole('button', { name: 'Switch to sam@work.example, 3 unread' });
    expect(within(group).getAllByRole('button')).toHaveLength(1);
    await user.click(other);
    expect(shell.callsOf('switch_account')).toEqual([{ label: 'sam@work.example' }]);
  });

  it('runs a message search on Enter', async () => {
    shell.handlers.search = () => [message(3, { body: 'the needle is here', conversation_id: 'c1' })];
    const user = userEvent.setup();
    renderWithClient(<Sidebar onNewConversation={() => {}} onSettings={() => {}} />);
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'needle{Enter}');
    const results = await screen.findByRole('list', { name: 'Search results' });
    expect(results).toHaveTextContent('the needle is here');
    expect(shell.callsOf('search')).toEqual([{ query: 'needle', conversationId: null }]);
  });

  it("follows a direct conversation's title with the @username when the name differs from it", async () => {
    const adaLovelace: User = { ...ada, display_name: 'Ada Lovelace' };
    const crew = conversation('c2', 'Design crew', 0);
    crew.conversation.kind = 'group';
    shell.handlers.user = (a) => (a.id === me.id ? me : adaLovelace);
    shell.handlers.conversations = () => [list[0]!, crew];
    renderWithClient(<Sidebar onNewConversation={() => {}} onSettings={() => {}} />);
    const [direct, group] = await screen.findAllByRole('listitem');
    expect(await within(direct!).findByText('@ada')).toHaveClass('handle');
    expect(direct).toHaveAccessibleName(/^Ada Lovelace @ada/);
    expect(group).not.toHaveTextContent('@');
  });

  it('names the sender of each search result', async () => {
    shell.handlers.search = () => [message(3, { body: 'the needle is here', conversation_id: 'c1' })];
    shell.handlers.user = (a) => (a.id === me.id ? me : { ...ada, display_name: 'Ada Lovelace' });
    const user = userEvent.setup();
    renderWithClient(<Sidebar onNewConversation={() => {}} onSettings={() => {}} />);
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'needle{Enter}');
    const result = within(await screen.findByRole('list', { name: 'Search results' })).getByRole('button');
    expect(await within(result).findByText('@ada')).toBeInTheDocument();
    expect(result).toHaveTextContent('Ada Lovelace @ada');
  });
});
