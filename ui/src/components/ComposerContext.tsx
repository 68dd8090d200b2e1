import { SenderName } from './SenderName';
import type { ComposerMode } from './ComposerMode';
import { Icon } from './Icon';

/** The strip above the message box: which message is being replied to or edited. */
export function ComposerContext({ mode, onCancel }: { mode: NonNullable<ComposerMode>; onCancel: () => void }) {
  const m = mode.entry.message;
  return (
    <div className="composer-context">
      <Icon name={mode.kind === 'reply' ? 'reply' : 'edit'} size={16} />
      <div className="composer-context-text">
        {mode.kind === 'reply' ? (
          <span>Replying to <SenderName id={m.sender_id} className="strong" /></span>
        ) : (
          <span className="strong">Editing message</span>
        )}
        <span className="muted clamp">{m.body}</span>
      </div>
      <button type="button" className="icon-button" aria-label={mode.kind === 'reply' ? 'Cancel reply' : 'Cancel edit'}
        title="Cancel (Esc)" onClick={onCancel}>
        <Icon name="close" size={16} />
      </button>
    </div>
  );
}
