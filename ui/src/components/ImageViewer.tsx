import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { errorMessage, type Attachment } from '../ipc';
import { useOpenAttachment } from '../hooks/useOpenAttachment';
import { formatSize } from '../lib/format';
import { imageOptions } from '../queries/attachments';
import { flattenPages, messagesOptions } from '../queries/messages';
import { openViewer, useViewer } from '../state/viewer';
import { BlobImage } from './BlobImage';
import { Dialog } from './Dialog';

/** The open conversation's pictures (sent ones), oldest first. */
function usePictures(conversationId: string): Attachment[] {
  const data = useInfiniteQuery(messagesOptions(conversationId)).data;
  return useMemo(
    () => flattenPages(data).flatMap((e) => (e.message.deleted ? [] : e.message.attachments))
      .filter((a) => a.content_type.startsWith('image/') && !a.id.startsWith('local:')),
    [data],
  );
}

/**
 * The `Image viewer`: one picture of the conversation at a time, zoomed to fit or at its
 * actual size, `Previous picture`/`Next picture` (also ←/→), Escape closes. Pictures viewed
 * once stay on this device, so they open offline too.
 */
export function ImageViewer({ conversationId }: { conversationId: string }) {
  const target = useViewer();
  const pictures = usePictures(conversationId);
  if (!target || target.conversationId !== conversationId) return null;
  const at = pictures.findIndex((p) => p.id === target.attachmentId);
  if (at === -1) return null;
  return <Viewer pictures={pictures} at={at} conversationId={conversationId} />;
}

function Viewer({ pictures, at, conversationId }: { pictures: Attachment[]; at: number; conversationId: string }) {
  const picture = pictures[at]!;
  const image = useQuery(imageOptions(picture.id));
  const [actual, setActual] = useState(false);
  const open = useOpenAttachment();
  const go = (step: number) => {
    const next = pictures[at + step];
    if (next) openViewer({ conversationId, attachmentId: next.id });
  };
  const close = () => openViewer(null);

  // ←/→ wherever the focus is (a button that just became disabled drops it to the page).
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') || e.altKey || e.ctrlKey || e.metaKey) return;
      const next = pictures[at + (e.key === 'ArrowLeft' ? -1 : 1)];
      e.preventDefault();
      if (next) openViewer({ conversationId, attachmentId: next.id });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [pictures, at, conversationId]);

  return (
    <Dialog title="Image viewer" onClose={close} wide>
      <div className="viewer">
        <div className="viewer-bar">
          <span className="viewer-name" title={picture.name}>{picture.name}</span>
          <span className="muted small">{formatSize(picture.size)} · {at + 1} of {pictures.length}</span>
          <span className="viewer-actions">
            <button type="button" onClick={() => go(-1)} disabled={at === 0}>Previous picture</button>
            <button type="button" onClick={() => go(1)} disabled={at === pictures.length - 1}>Next picture</button>
            <button type="button" aria-pressed={actual} onClick={() => setActual((v) => !v)}>
              {actual ? 'Zoom to fit' : 'Actual size'}
            </button>
            <button type="button" onClick={() => open.mutate(picture.id)}>Open in system viewer</button>
          </span>
        </div>
        <div className={actual ? 'viewer-stage actual' : 'viewer-stage'}>
          {image.data ? <BlobImage bytes={image.data} type={picture.content_type} alt={picture.name} />
            : image.isError ? <p className="form-error" role="alert">Could not load {picture.name}: {errorMessage(image.error)}</p>
              : <p className="muted">Loading {picture.name}…</p>}
        </div>
        {open.isError && <p className="form-error small">Could not open {picture.name}: {errorMessage(open.error)}</p>}
      </div>
    </Dialog>
  );
}
