import { useMemo } from 'react';
import { CommandError, commands } from '../ipc';
import { formatSize } from '../lib/format';
import { trayOf, updateTray, useTray, type Chip } from '../state/staging';

/** The server's attachment limit (PRODUCT.md §2), checked here before a byte is read. */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
/** At most this many files go with one message (the protocol's `ATTACHMENTS_PER_MESSAGE_MAX`). */
export const MAX_ATTACHMENTS = 10;

let nextKey = 0;

/**
 * The composer's tray of files for one conversation: add (from the file picker, a paste or a
 * drop), remove, and take them all when the message is sent. The tray lives outside React, so
 * a file still being staged lands in the right conversation even after the user moved on.
 */
export function useAttachmentTray(conversationId: string) {
  const tray = useTray(conversationId);
  const actions = useMemo(() => ({
    add: (files: readonly File[]) => void stageFiles(conversationId, files),
    remove: (key: string) => removeChip(conversationId, key),
    dismissErrors: () => updateTray(conversationId, (t) => ({ ...t, errors: [] })),
    /** Empties the tray for sending; `putBack` restores it if the send fails. */
    take: () => {
      const chips = trayOf(conversationId).chips;
      updateTray(conversationId, () => ({ chips: [], errors: [] }));
      return chips;
    },
    putBack: (chips: readonly Chip[]) => updateTray(conversationId, (t) => ({ ...t, chips: [...chips, ...t.chips] })),
  }), [conversationId]);
  const staging = tray.chips.some((c) => c.staged === null);
  return { ...tray, staging, ...actions };
}

/** Checks the files, shows them as chips at once, then copies them into the staging area one at a time. */
export async function stageFiles(conversationId: string, files: readonly File[]): Promise<void> {
  const room = MAX_ATTACHMENTS - trayOf(conversationId).chips.length;
  const errors: string[] = [];
  const accepted: { file: File; chip: Chip }[] = [];
  for (const file of files) {
    const name = file.name || `pasted.${file.type.split('/')[1] ?? 'bin'}`;
    if (file.size > MAX_ATTACHMENT_BYTES) errors.push(tooLarge(name));
    else if (accepted.length >= room) errors.push(`A message can carry at most ${MAX_ATTACHMENTS} files: ${name} was not added.`);
    else accepted.push({ file, chip: { key: `chip-${nextKey++}`, name, size: file.size, staged: null } });
  }
  updateTray(conversationId, (t) => ({ chips: [...t.chips, ...accepted.map((a) => a.chip)], errors }));

  // One file in memory at a time: each may be up to 25 MiB.
  for (const { file, chip } of accepted) {
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const staged = await commands.stageAttachment(chip.name, file.type, bytes);
      if (!trayOf(conversationId).chips.some((c) => c.key === chip.key)) {
        discard(staged.staged_id); // removed while it was being staged
        continue;
      }
      updateTray(conversationId, (t) => ({ ...t, chips: t.chips.map((c) => (c.key === chip.key ? { ...c, staged } : c)) }));
    } catch (raw) {
      const err = CommandError.from(raw);
      const why = err.code === 'too_large' ? tooLarge(chip.name) : `${chip.name} could not be added: ${err.message}`;
      updateTray(conversationId, (t) => ({ chips: t.chips.filter((c) => c.key !== chip.key), errors: [...t.errors, why] }));
    }
  }
}

function removeChip(conversationId: string, key: string): void {
  const chip = trayOf(conversationId).chips.find((c) => c.key === key);
  updateTray(conversationId, (t) => ({ ...t, chips: t.chips.filter((c) => c.key !== key) }));
  if (chip?.staged) discard(chip.staged.staged_id);
}

function discard(stagedId: string): void {
  commands.discardStaged(stagedId).catch((err: unknown) => console.warn('parley: staged file not discarded', err));
}

function tooLarge(name: string): string {
  return `${name} is larger than ${formatSize(MAX_ATTACHMENT_BYTES)}, the most one file can be.`;
}
