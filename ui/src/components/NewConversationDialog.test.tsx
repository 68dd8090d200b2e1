import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { User } from '../ipc';
import { selectedConversationStore } from '../state/navigation';
import { ada, me, sessionState } from '../test/fixtures';
import { installFakeShell } from '../test/fakeShell';
import { renderWithClient } from '../test/render';
import { NewConversationDialog } from './NewConversationDialog';

const bob: User = { id: 'u-bob', username: 'bob', display_name: 'Bob', created_at: '2026-01-01T00:00:00Z', last_seen_at: null, show_presence: true };

describe('NewConversationDialog', () => {
  let shell: ReturnType<typeof installFakeShell>;
  beforeEach(() => {
    selectedConversationStore.set(null);
    shell = installFakeShell({
      session_state: () => sessionState,
      find_users: () => [me, ada, bob],
      create_conversation: () => 'c-new',
      conversations: () => [],
    });
  });
  afterEach(() => shell.restore());

  it('is a labelled dialog; one person makes a direct conversation, which opens', async () => {
    const onClose = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<NewConversationDialog onClose={onClose} />);
    expect(screen.getByRole('dialog', { name: 'New conversation' })).toBeInTheDocument();
    await user.type(screen.getByRole('searchbox', { name: 'Find people' }), 'a');
    await user.click(await screen.findByRole('checkbox', { name: /Ada/ }));
    expect(screen.queryByRole('checkbox', { name: /Sam/ })).toBeNull(); // not oneself
    await user.click(screen.getByRole('button', { name: 'Start conversation' }));
    expect(shell.callsOf('create_conversation')).toEqual([{ kind: 'direct', title: null, memberIds: ['u-ada'] }]);
    await waitFor(() => expect(selectedConversationStore.get()).toBe('c-new'));
    expect(onClose).toHaveBeenCalled();
  });

  it('several people and a title make a group', async () => {
    const user = userEvent.setup();
    renderWithClient(<NewConversationDialog onClose={() => {}} />);
    await user.type(screen.getByRole('searchbox', { name: 'Find people' }), 'b');
    await user.click(await screen.findByRole('checkbox', { name: /Ada/ }));
    await user.click(screen.getByRole('checkbox', { name: /Bob/ }));
    await user.type(screen.getByRole('textbox', { name: 'Group title' }), 'Lunch');
    await user.click(screen.getByRole('button', { name: 'Create group' }));
    expect(shell.callsOf('create_conversation')).toEqual([{ kind: 'group', title: 'Lunch', memberIds: ['u-ada', 'u-bob'] }]);
  });
});
