import type { CachedMessage } from '../ipc';
import { useDiscardMessage } from '../hooks/useDiscardMessage';
import { useRetryMessage } from '../hooks/useRetryMessage';
import { useCancelUpload } from '../hooks/useCancelUpload';
import { useUploads } from '../state/uploads';
import { Icon } from './Icon';

/**
 * "Sending…" for queued messages; the reason plus `Retry`/`Discard` for failed ones; for a
 * sent message, its deletion or edit made here and not yet on the server ("Deleting…",
 * "Saving edit…"; unsent reactions show on their chips).
 */
export function DeliveryState({ entry }: { entry: CachedMessage }) {
  const { delivery, message, unsent } = entry;
  const retry = useRetryMessage(message.conversation_id);
  const discard = useDiscardMessage(message.conversation_id);
  if (delivery.state === 'sent') {
    const what = unsent?.delete ? 'Deleting…' : unsent?.edit ? 'Saving edit…' : null;
    if (what === null) return null;
    return (
      <p className="delivery pending">
        <Icon name="clock" size={13} /> {what}
      </p>
    );
  }
  if (delivery.state === 'pending') {
    return (
      <>
        <p className="delivery pending">
          <Icon name="clock" size={13} /> Sending…
        </p>
        <UploadState clientId={message.client_id} conversationId={message.conversation_id} />
      </>
    );
  }
  return (
    <div className="delivery failed">
      <Icon name="alert" size={14} />
      <span>Not sent: {delivery.reason}</span>
      <button type="button" onClick={() => retry.mutate(message.client_id)} disabled={retry.isPending}>Retry</button>
      <button type="button" onClick={() => discard.mutate(message.client_id)} disabled={discard.isPending}>Discard</button>
    </div>
  );
}

/**
 * The files of a pending message on their way up: a `progressbar` named `Uploading NAME` each,
 * and `Cancel upload` (the message is then not sent).
 */
function UploadState({ clientId, conversationId }: { clientId: string; conversationId: string }) {
  const uploads = Object.entries(useUploads(clientId));
  const cancel = useCancelUpload(conversationId);
  if (uploads.length === 0) return null;
  return (
    <div className="uploads">
      {uploads.map(([stagedId, u]) => {
        const percent = u.total > 0 ? Math.round((u.sent / u.total) * 100) : 0;
        return (
          <div key={stagedId} className="upload-row">
            <span className="upload-name">{u.name}</span>
            <div className="upload-bar" role="progressbar" aria-label={`Uploading ${u.name}`}
              aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-valuetext={`${percent}%`}>
              <span style={{ width: `${percent}%` }} />
            </div>
          </div>
        );
      })}
      <button type="button" onClick={() => cancel.mutate(clientId)} disabled={cancel.isPending}>Cancel upload</button>
    </div>
  );
}
