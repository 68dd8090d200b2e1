import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installFakeShell } from '../test/fakeShell';
import { PeopleContext } from '../hooks/usePersonLabel';
import { ada, me, message, sent, sessionState } from '../test/fixtures';
import { renderWithClient } from '../test/render';
import { Composer } from './Composer';

describe('Composer', () => {
  let shell: ReturnType<typeof installFakeShell>;
  beforeEach(() => {
    shell = installFakeShell({ session_state: () => sessionState, get_draft: () => '', send_message: () => ({ client_id: 'x' }), messages: () => [], user: () => null });
  });
  afterEach(() => shell.restore());

  const box = () => screen.getByRole('textbox', { name: 'Message' });

  it('has the Message box, Send and Attach file', async () => {
    renderWithClient(<Composer conversationId="c1" mode={null} onDone={() => {}} />);
    expect(box().tagName).toBe('TEXTAREA');
    expect(screen.getByRole('button', { name: 'Send' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Attach file' })).toBeInTheDocument();
  });

  it('sends on Enter and clears the box', async () => {
    const user = userEvent.setup();
    renderWithClient(<Composer conversationId="c1" mode={null} onDone={() => {}} />);
    await user.type(box(), 'hello there{Enter}');
    expect(shell.callsOf('send_message')).toEqual([{ conversationId: 'c1', body: 'hello there', replyTo: null, stagedIds: [] }]);
    expect(box()).toHaveValue('');
  });

  it('inserts a newline on Shift+Enter without sending', async () => {
    const user = userEvent.setup();
    renderWithClient(<Composer conversationId="c1" mode={null} onDone={() => {}} />);
    await user.type(box(), 'line one{Shift>}{Enter}{/Shift}line two');
    expect(box()).toHaveValue('line one\nline two');
    expect(shell.callsOf('send_message')).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Send' }));
    expect(shell.callsOf('send_message')).toEqual([{ conversationId: 'c1', body: 'line one\nline two', replyTo: null, stagedIds: [] }]);
  });

  it('sends a reply with the replied-to message id', async () => {
    const user = userEvent.setup();
    const mode = { kind: 'reply' as const, entry: sent(message(4)) };
    renderWithClient(<Composer conversationId="c1" mode={mode} onDone={() => {}} />);
    await user.type(box(), 'agreed{Enter}');
    expect(shell.callsOf('send_message')).toEqual([{ conversationId: 'c1', body: 'agreed', replyTo: 'm4', stagedIds: [] }]);
  });

  it('loads the saved draft and saves edits with set_draft (debounced)', async () => {
    shell.handlers.get_draft = () => 'half-written';
    const user = userEvent.setup();
    renderWithClient(<Composer conversationId="c1" mode={null} onDone={() => {}} />);
    await waitFor(() => expect(box()).toHaveValue('half-written'));
    await user.type(box(), ' thought');
    await waitFor(() => expect(shell.callsOf('set_draft')).toEqual([{ conversationId: 'c1', text: 'half-written thought' }]));
  });

  it('saves a pending draft at once when the composer goes away', async () => {
    const user = userEvent.setup();
    const view = renderWithClient(<Composer conversationId="c1" mode={null} onDone={() => {}} />);
    await user.type(box(), 'keep me');
    view.unmount();
    expect(shell.callsOf('set_draft')).toEqual([{ conversationId: 'c1', text: 'keep me' }]);
  });

  it('suggests members after @ and inserts the chosen one by keyboard or click', async () => {
    const user = userEvent.setup();
    const bob = { ...ada, id: 'u-bob', username: 'bob', display_name: 'Bob' };
    renderWithClient(
      <PeopleContext value={[me, ada, bob]}>
        <Composer conversationId="c1" mode={null} onDone={() => {}} />
      </PeopleContext>,
    );
    await waitFor(() => expect(shell.callsOf('session_state').length).toBeGreaterThan(0));
    await user.type(box(), 'hi @');
    const list = screen.getByRole('listbox', { name: 'Mention suggestions' });
    expect(within(list).getAllByRole('option').map((o) => o.textContent)).toEqual(['Ada @ada', 'Bob @bob']);
    await user.keyboard('{ArrowDown}{Enter}');
    expect(box()).toHaveValue('hi @bob ');
    expect(screen.queryByRole('listbox', { name: 'Mention suggestions' })).toBeNull();
    expect(shell.callsOf('send_message')).toEqual([]); // Enter picked, it didn't send

    await user.type(box(), 'and @a');
    await user.click(within(screen.getByRole('listbox', { name: 'Mention suggestions' })).getByRole('option', { name: /Ada/ }));
    expect(box()).toHaveValue('hi @bob and @ada ');

    await user.type(box(), '@');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('listbox', { name: 'Mention suggestions' })).toBeNull();
    await user.keyboard('{Enter}');
    expect(shell.callsOf('send_message')).toEqual([{ conversationId: 'c1', body: 'hi @bob and @ada @', replyTo: null, stagedIds: [] }]);
  });
});
