import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CachedConversation, User } from '../ipc';
import { ada, conversation, me, sessionState } from '../test/fixtures';
import { installFakeShell } from '../test/fakeShell';
import { renderWithClient } from '../test/render';
import { ConversationDetails, FOREVER, isMuted } from './ConversationDetails';

const bob: User = { id: 'u-bob', username: 'bob', display_name: 'Bob', created_at: '2026-01-01T00:00:00Z', last_seen_at: null, show_presence: true };
const people = [me, ada, bob];

function group(myRole: 'admin' | 'member'): CachedConversation {
  const g = conversation('g1', 'Crew', 0);
  g.conversation.kind = 'group';
  g.conversation.title = 'Crew';
  g.conversation.members = [
    { user_id: me.id, role: myRole, last_read_seq: 0 },
    { user_id: ada.id, role: myRole === 'admin' ? 'member' : 'admin', last_read_seq: 0 },
  ];
  return g;
}

describe('ConversationDetails', () => {
  let shell: ReturnType<typeof installFakeShell>;
  beforeEach(() => {
    shell = installFakeShell({
      session_state: () => sessionState,
      user: (a) => people.find((u) => u.id === a.id) ?? null,
      find_users: () => people,
      conversations: () => [],
      rename_conversation: () => undefined,
      add_member: () => undefined,
      remove_member: () => undefined,
      set_role: () => undefined,
      set_conversation_settings: () => undefined,
    });
  });
  afterEach(() => shell.restore());

  it('lets an admin rename, promote, remove and add', async () => {
    const user = userEvent.setup();
    renderWithClient(<ConversationDetails conv={group('admin')} onClose={() => {}} />);
    const dialog = screen.getByRole('dialog', { name: 'Conversation details' });
    const name = await within(dialog).findByRole('textbox', { name: 'Group name' });
    await user.clear(name);
    await user.type(name, 'Crew 2');
    await user.click(within(dialog).getByRole('button', { name: 'Save name' }));
    expect(shell.callsOf('rename_conversation')).toEqual([{ conversationId: 'g1', title: 'Crew 2' }]);

    const members = within(dialog).getByRole('list', { name: 'Members' });
    expect(await within(members).findByRole('listitem', { name: 'Sam, admin' })).toBeInTheDocument();
    expect(within(members).getByRole('listitem', { name: 'Ada' })).toBeInTheDocument();
    expect(within(members).queryByRole('button', { name: 'Remove Sam' })).toBeNull(); // not oneself
    await user.click(within(members).getByRole('button', { name: 'Make Ada admin' }));
    expect(shell.callsOf('set_role')).toEqual([{ conversationId: 'g1', userId: ada.id, role: 'admin' }]);
    await user.click(within(members).getByRole('button', { name: 'Remove Ada' }));
    expect(shell.callsOf('remove_member')).toEqual([{ conversationId: 'g1', userId: ada.id }]);

    await user.click(within(dialog).getByRole('button', { name: 'Add member' }));
    await user.type(within(dialog).getByRole('searchbox', { name: 'Find people' }), 'b');
    await user.click(await within(dialog).findByRole('button', { name: /Bob/ }));
    expect(shell.callsOf('add_member')).toEqual([{ conversationId: 'g1', userId: bob.id }]);
  });

  it('shows members only what members may do, and lets them leave', async () => {
    const onClose = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<ConversationDetails conv={group('member')} onClose={onClose} />);
    const dialog = screen.getByRole('dialog', { name: 'Conversation details' });
    expect(within(dialog).queryByRole('textbox', { name: 'Group name' })).toBeNull();
    expect(await within(dialog).findByRole('listitem', { name: 'Ada, admin' })).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: /^Remove / })).toBeNull();
    expect(within(dialog).queryByRole('button', { name: 'Add member' })).toBeNull();
    await user.click(within(dialog).getByRole('button', { name: 'Leave conversation' }));
    expect(shell.callsOf('remove_member')).toEqual([{ conversationId: 'g1', userId: me.id }]);
    await waitFor(() => expect(onClose).toHaveBeenCalled());
  });

  it('saves notification settings and mutes', async () => {
    const user = userEvent.setup();
    renderWithClient(<ConversationDetails conv={group('member')} onClose={() => {}} />);
    const notifications = screen.getByRole('radiogroup', { name: 'Notifications' });
    expect(within(notifications).getByRole('radio', { name: 'All messages' })).toBeChecked();
    await user.click(within(notifications).getByRole('radio', { name: 'Mentions only' }));
    expect(shell.callsOf('set_conversation_settings')).toEqual([{ conversationId: 'g1', notify: 'mentions', mutedUntil: null }]);

    const mute = screen.getByRole('combobox', { name: 'Mute for' });
    expect(mute).toHaveDisplayValue('Not muted');
    await user.selectOptions(mute, 'Until I unmute');
    expect(shell.callsOf('set_conversation_settings')[1]).toEqual({ conversationId: 'g1', notify: 'all', mutedUntil: FOREVER });
    const before = Date.now();
    await user.selectOptions(mute, '8 hours');
    const until = Date.parse(String((shell.callsOf('set_conversation_settings')[2] as { mutedUntil: string }).mutedUntil));
    expect(until - before).toBeGreaterThanOrEqual(8 * 3_600_000 - 1000);
    expect(until - before).toBeLessThan(8 * 3_600_000 + 60_000);
  });

  it('knows muted from not', () => {
    expect(isMuted(null)).toBe(false);
    expect(isMuted('2000-01-01T00:00:00Z')).toBe(false);
    expect(isMuted(FOREVER)).toBe(true);
  });
});
