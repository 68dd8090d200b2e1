import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { errorMessage, type Attachment } from '../ipc';
import { useOpenAttachment } from '../hooks/useOpenAttachment';
import { useSaveAttachment } from '../hooks/useSaveAttachment';
import { formatSize } from '../lib/format';
import { thumbnailOptions } from '../queries/attachments';
import { openViewer } from '../state/viewer';
import { BlobImage } from './BlobImage';
import { Icon } from './Icon';

/** How long "Saved to …" stays under a file. */
export const SAVED_NOTICE_MS = 6000;

/**
 * A message's files: images as thumbnails that open in the `Image viewer`, other files as a
 * chip with `Open NAME` and `Save NAME`. Files of a message still in the outbox (id
 * `local:…`) exist only on this computer's staging area, so they show as plain chips.
 */
export function MessageAttachments({ attachments, conversationId }: { attachments: readonly Attachment[]; conversationId: string }) {
  return (
    <ul className="attachments">
      {attachments.map((a) => (
        <li key={a.id}>
          {isLocal(a) ? <FileChip attachment={a} />
            : isImage(a) ? <ImageAttachment attachment={a} conversationId={conversationId} />
              : <FileAttachment attachment={a} />}
        </li>
      ))}
    </ul>
  );
}

const isLocal = (a: Attachment) => a.id.startsWith('local:');
const isImage = (a: Attachment) => a.content_type.startsWith('image/');

function ImageAttachment({ attachment: a, conversationId }: { attachment: Attachment; conversationId: string }) {
  const thumb = useQuery(thumbnailOptions(a.id));
  // No preview to be had (not a picture after all, or gone): the file still opens and saves.
  if (thumb.isError) return <FileAttachment attachment={a} />;
  return (
    <div className="attachment-image">
      <button type="button" className="thumb" aria-label={`Open ${a.name}`} title={`${a.name} (${formatSize(a.size)})`}
        aria-haspopup="dialog" onClick={() => openViewer({ conversationId, attachmentId: a.id })}>
        {thumb.data ? <BlobImage bytes={thumb.data} type={a.content_type} alt={a.name} />
          : <span className="thumb-placeholder">{a.name}</span>}
      </button>
      <SaveButton attachment={a} />
    </div>
  );
}

function FileAttachment({ attachment: a }: { attachment: Attachment }) {
  const open = useOpenAttachment();
  return (
    <FileChip attachment={a}>
      <button type="button" className="icon-button" aria-label={`Open ${a.name}`} title="Open" onClick={() => open.mutate(a.id)}>
        <Icon name="external" size={16} />
      </button>
      <SaveButton attachment={a} />
      {open.isError && <p className="form-error small file-chip-note">Could not open: {errorMessage(open.error)}</p>}
    </FileChip>
  );
}

function FileChip({ attachment: a, children }: { attachment: Attachment; children?: React.ReactNode }) {
  return (
    <div className="file-chip in-message">
      <Icon name="file" size={18} />
      <span className="file-chip-name" title={a.name}>{a.name}</span>
      <span className="file-chip-size">{formatSize(a.size)}</span>
      {children}
    </div>
  );
}

/** `Save NAME`; the saved path shows for a few seconds in a polite live region. */
function SaveButton({ attachment: a }: { attachment: Attachment }) {
  const save = useSaveAttachment();
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    if (!notice) return;
    const timer = window.setTimeout(() => setNotice(null), SAVED_NOTICE_MS);
    return () => window.clearTimeout(timer);
  }, [notice]);
  return (
    <>
      <button type="button" className="icon-button" aria-label={`Save ${a.name}`} title="Save" disabled={save.isPending}
        onClick={() => save.mutate(a.id, {
          onSuccess: (path) => setNotice(`Saved to ${path}`),
          onError: (err) => setNotice(`Could not save ${a.name}: ${errorMessage(err)}`),
        })}>
        <Icon name="download" size={16} />
      </button>
      <span className="file-chip-note small muted" aria-live="polite">{notice}</span>
    </>
  );
}
