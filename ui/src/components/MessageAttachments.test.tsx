import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Attachment } from '../ipc';
import { installFakeShell } from '../test/fakeShell';
import { renderWithClient } from '../test/render';
import { viewerStore } from '../state/viewer';
import { MessageAttachments } from './MessageAttachments';

const photo: Attachment = { id: 'a1', size: 2048, content_type: 'image/png', sha256: 'ab'.repeat(32), name: 'cat.png' };
const report: Attachment = { id: 'a2', size: 3_500_000, content_type: 'application/pdf', sha256: 'cd'.repeat(32), name: 'report.pdf' };
const queued: Attachment = { id: 'local:s9', size: 10, content_type: 'image/png', sha256: '', name: 'queued.png' };

describe('attachments in a message', () => {
  let shell: ReturnType<typeof installFakeShell>;
  const created: string[] = [];
  const revoked: string[] = [];
  beforeEach(() => {
    shell = installFakeShell({
      attachment_thumbnail: (a) => {
        if (a.attachmentId !== 'a1') throw { code: 'not_found', message: 'not an image' };
        return new Uint8Array([137, 80, 78, 71]).buffer;
      },
      save_attachment: (a) => `/home/sam/Downloads/${a.attachmentId === 'a2' ? 'report.pdf' : 'cat.png'}`,
    });
    created.length = 0;
    revoked.length = 0;
    URL.createObjectURL = vi.fn(() => {
      created.push(`blob:parley/${created.length}`);
      return created[created.length - 1]!;
    });
    URL.revokeObjectURL = vi.fn((url: string) => void revoked.push(url));
  });
  afterEach(() => shell.restore());

  it('shows an image as a thumbnail that opens in the Image viewer', async () => {
    const user = userEvent.setup();
    const view = renderWithClient(<MessageAttachments attachments={[photo]} conversationId="c1" />);
    const img = await screen.findByRole('img', { name: 'cat.png' });
    await waitFor(() => expect(img).toHaveAttribute('src', 'blob:parley/0'));
    expect(shell.callsOf('attachment_thumbnail')).toEqual([{ attachmentId: 'a1' }]);
    await user.click(screen.getByRole('button', { name: 'Open cat.png' }));
    expect(viewerStore.get()).toEqual({ conversationId: 'c1', attachmentId: 'a1' });
    view.unmount();
    expect(revoked).toEqual(['blob:parley/0']);
  });

  it('opens an image from the keyboard', async () => {
    const user = userEvent.setup();
    renderWithClient(<MessageAttachments attachments={[photo]} conversationId="c1" />);
    viewerStore.set(null);
    screen.getByRole('button', { name: 'Open cat.png' }).focus();
    await user.keyboard('{Enter}');
    expect(viewerStore.get()).toEqual({ conversationId: 'c1', attachmentId: 'a1' });
  });

  it('shows other files as a chip with Open and Save, and where Save put the file', async () => {
    const user = userEvent.setup();
    renderWithClient(<MessageAttachments attachments={[report]} conversationId="c1" />);
    expect(screen.getByText('report.pdf')).toBeInTheDocument();
    expect(screen.getByText('3.3 MB')).toBeInTheDocument();
    expect(shell.callsOf('attachment_thumbnail')).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Open report.pdf' }));
    expect(shell.callsOf('open_attachment')).toEqual([{ attachmentId: 'a2' }]);
    await user.click(screen.getByRole('button', { name: 'Save report.pdf' }));
    expect(shell.callsOf('save_attachment')).toEqual([{ attachmentId: 'a2' }]);
    expect(await screen.findByText('Saved to /home/sam/Downloads/report.pdf')).toBeInTheDocument();
  });

  it('falls back to a file chip when an image has no thumbnail', async () => {
    renderWithClient(<MessageAttachments attachments={[{ ...photo, id: 'gone' }]} conversationId="c1" />);
    expect(await screen.findByRole('button', { name: 'Save cat.png' })).toBeInTheDocument();
    expect(screen.queryByRole('img')).toBeNull();
    expect(screen.getByRole('button', { name: 'Open cat.png' })).toBeInTheDocument();
  });

  it('shows a queued message’s files as plain chips, with nothing to open or save yet', () => {
    renderWithClient(<MessageAttachments attachments={[queued]} conversationId="c1" />);
    expect(screen.getByText('queued.png')).toBeInTheDocument();
    expect(screen.queryByRole('button')).toBeNull();
    expect(shell.callsOf('attachment_thumbnail')).toEqual([]);
  });

  it('says why a file could not be saved', async () => {
    shell.handlers.save_attachment = () => Promise.reject({ code: 'internal', message: 'disk full' });
    const user = userEvent.setup();
    renderWithClient(<MessageAttachments attachments={[report]} conversationId="c1" />);
    await user.click(screen.getByRole('button', { name: 'Save report.pdf' }));
    expect(await screen.findByText('Could not save report.pdf: disk full')).toBeInTheDocument();
  });
});
