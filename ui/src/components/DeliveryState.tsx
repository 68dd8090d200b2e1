import type { CachedMessage } from '../ipc';
import { useDiscardMessage } from '../hooks/useDiscardMessage';
import { useRetryMessage } from '../hooks/useRetryMessage';
import { Icon } from './Icon';

/** "Sending…" for queued messages; the reason plus `Retry`/`Discard` for failed ones. */
export function DeliveryState({ entry }: { entry: CachedMessage }) {
  const { delivery, message } = entry;
  const retry = useRetryMessage(message.conversation_id);
  const discard = useDiscardMessage(message.conversation_id);
  if (delivery.state === 'sent') return null;
  if (delivery.state === 'pending') {
    return (
      <p className="delivery pending">
        <Icon name="clock" size={13} /> Sending…
      </p>
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
