import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InvokeOptions } from '../ipc';
import { clearTrays } from '../state/staging';
import { installFakeShell } from '../test/fakeShell';
import { renderWithClient } from '../test/render';
import { Composer } from './Composer';

/** A fake engine staging area: answers with the name and type it was given in the headers. */
function stagingHandler() {
  let n = 0;
  return (bytes: Record<string, unknown>, o?: InvokeOptions) => {
    n++;
    return {
      staged_id: `s${n}`, name: decodeURIComponent(o!.headers['x-parley-name']!),
      size: (bytes as unknown as Uint8Array).length, content_type: o!.headers['x-parley-content-type'],
    };
  };
}

const file = (name: string, text: string, type = 'text/plain') => new File([text], name, { type });

describe('attachments in the composer', () => {
  let shell: ReturnType<typeof installFakeShell>;
  beforeEach(() => {
    shell = installFakeShell({
      get_draft: () => '', send_message: () => ({ client_id: 'x' }), messages: () => [], user: () => null,
      stage_attachment: stagingHandler(),
    });
  });
  afterEach(() => {
    cleanup(); // unmount (and flush the draft) while the fake shell is still in place
    shell.restore();
    clearTrays();
  });

  const box = () => screen.getByRole('textbox', { name: 'Message' });
  const picker = (container: HTMLElement) => container.querySelector<HTMLInputElement>('input[type="file"]')!;
  const renderComposer = () => renderWithClient(<Composer conversationId="c1" mode={null} onDone={() => {}} />);

  it('Attach file opens a hidden, unnamed, unfocusable file picker', async () => {
    const { container } = renderComposer();
    const button = screen.getByRole('button', { name: 'Attach file' });
    expect(button).toBeEnabled();
    const input = picker(container);
    expect(input).toHaveAttribute('multiple');
    expect(input).toHaveAttribute('tabindex', '-1');
    expect(input).toHaveAttribute('aria-hidden', 'true');
    expect(input).not.toHaveAccessibleName();
    let opened = 0;
    input.addEventListener('click', (e) => {
      e.preventDefault();
      opened++;
    });
    await userEvent.setup().click(button);
    expect(opened).toBe(1);
  });

  it('stages picked files, shows them as chips, and sends them with the text', async () => {
    const user = userEvent.setup();
    const { container } = renderComposer();
    await user.upload(picker(container), [file('notes.txt', 'hello'), file('ä b.csv', 'a,b\n', 'text/csv')]);
    const chips = await screen.findByRole('list', { name: 'Files to send' });
    await waitFor(() => expect(within(chips).getAllByRole('listitem')[1]).toHaveTextContent('ä b.csv4 B'));
    expect(within(chips).getAllByRole('listitem')[0]).toHaveTextContent('notes.txt5 B');
    expect(shell.callsOf('stage_attachment')).toHaveLength(2);
    const [bytes, options] = shell.invoke.mock.calls.find(([n]) => n === 'stage_attachment')!.slice(1);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(bytes as Uint8Array)).toEqual(Array.from(new TextEncoder().encode('hello')));
    expect(options).toEqual({ headers: { 'x-parley-name': 'notes.txt', 'x-parley-content-type': 'text/plain' } });

    await user.type(box(), 'two files{Enter}');
    expect(shell.callsOf('send_message')).toEqual([{ conversationId: 'c1', body: 'two files', replyTo: null, stagedIds: ['s1', 's2'] }]);
    expect(screen.queryByRole('list', { name: 'Files to send' })).toBeNull();
  });

  it('sends files without any text', async () => {
    const user = userEvent.setup();
    const { container } = renderComposer();
    const send = screen.getByRole('button', { name: 'Send' });
    expect(send).toBeDisabled();
    await user.upload(picker(container), file('a.txt', 'a'));
    await waitFor(() => expect(send).toBeEnabled());
    await user.click(send);
    expect(shell.callsOf('send_message')).toEqual([{ conversationId: 'c1', body: '', replyTo: null, stagedIds: ['s1'] }]);
  });

  it('Remove NAME discards the staged file', async () => {
    const user = userEvent.setup();
    const { container } = renderComposer();
    await user.upload(picker(container), file('a.txt', 'a'));
    await waitFor(() => expect(screen.getByText('1 B')).toBeInTheDocument());
    await user.click(screen.getByRole('button', { name: 'Remove a.txt' }));
    expect(shell.callsOf('discard_staged')).toEqual([{ stagedId: 's1' }]);
    expect(screen.queryByText('a.txt')).toBeNull();
  });

  it('waits for staging to finish before it can send', async () => {
    let finish!: () => void;
    const answer = stagingHandler();
    shell.handlers.stage_attachment = (a, o) => new Promise((r) => (finish = () => r(answer(a, o))));
    const user = userEvent.setup();
    const { container } = renderComposer();
    await user.type(box(), 'see file');
    await user.upload(picker(container), file('slow.bin', 'xyz'));
    expect(await screen.findByText('Adding…')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
    finish();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Send' })).toBeEnabled());
  });

  it('refuses a file over 25 MB before reading it, keeping the text and the other files', async () => {
    const user = userEvent.setup();
    const { container } = renderComposer();
    await user.type(box(), 'keep this');
    const big = file('huge.iso', 'x');
    Object.defineProperty(big, 'size', { value: 25 * 1024 * 1024 + 1 });
    await user.upload(picker(container), [big, file('small.txt', 'ok')]);
    expect(await screen.findByRole('alert')).toHaveTextContent('huge.iso is larger than 25 MB');
    await waitFor(() => expect(shell.callsOf('stage_attachment')).toHaveLength(1));
    expect(screen.getByText('small.txt')).toBeInTheDocument();
    expect(box()).toHaveValue('keep this');
    await user.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows the engine refusing a file inline and drops only that chip', async () => {
    shell.handlers.stage_attachment = () => Promise.reject({ code: 'too_large', message: 'too large' });
    const user = userEvent.setup();
    const { container } = renderComposer();
    await user.upload(picker(container), file('big.bin', 'x'));
    expect(await screen.findByRole('alert')).toHaveTextContent('big.bin is larger than 25 MB');
    expect(screen.queryByRole('list', { name: 'Files to send' })).toBeNull();
  });

  it('stages files pasted into the Message box', async () => {
    renderComposer();
    fireEvent.paste(box(), { clipboardData: { files: [file('image.png', 'png', 'image/png')], types: ['Files'] } });
    expect(await screen.findByText('image.png')).toBeInTheDocument();
    await waitFor(() => expect(shell.callsOf('stage_attachment')).toHaveLength(1));
  });

  it('keeps the files for the conversation when the composer goes away and comes back', async () => {
    const user = userEvent.setup();
    const first = renderComposer();
    await user.upload(picker(first.container), file('a.txt', 'a'));
    await waitFor(() => expect(screen.getByText('1 B')).toBeInTheDocument());
    first.unmount();
    renderComposer();
    expect(screen.getByText('a.txt')).toBeInTheDocument();
  });

  it('puts the text and files back when the outbox refuses the message', async () => {
    shell.handlers.send_message = () => Promise.reject({ code: 'internal', message: 'disk full' });
    const user = userEvent.setup();
    const { container } = renderComposer();
    await user.upload(picker(container), file('a.txt', 'a'));
    await waitFor(() => expect(screen.getByText('1 B')).toBeInTheDocument());
    await user.type(box(), 'important{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('disk full');
    expect(box()).toHaveValue('important');
    expect(screen.getByText('a.txt')).toBeInTheDocument();
  });
});
