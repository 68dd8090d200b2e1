import { formatSize } from '../lib/format';
import type { Chip } from '../state/staging';
import { Icon } from './Icon';

/** The files waiting to go with the next message, each with `Remove NAME`; plus why some could not be added. */
export function AttachmentTray({ chips, errors, onRemove, onDismissErrors }: {
  chips: readonly Chip[];
  errors: readonly string[];
  onRemove: (key: string) => void;
  onDismissErrors: () => void;
}) {
  if (chips.length === 0 && errors.length === 0) return null;
  return (
    <div className="tray">
      {errors.length > 0 && (
        <div className="tray-errors" role="alert">
          <ul>{errors.map((e, i) => <li key={i}>{e}</li>)}</ul>
          <button type="button" className="link-button" onClick={onDismissErrors}>Dismiss</button>
        </div>
      )}
      {chips.length > 0 && (
        <ul className="tray-chips" aria-label="Files to send">
          {chips.map((c) => (
            <li key={c.key} className="file-chip" aria-busy={c.staged === null}>
              <Icon name="file" size={16} />
              <span className="file-chip-name" title={c.name}>{c.name}</span>
              <span className="file-chip-size">{c.staged ? formatSize(c.size) : 'Adding…'}</span>
              <button type="button" className="icon-button" aria-label={`Remove ${c.name}`} title="Remove"
                onClick={() => onRemove(c.key)}>
                <Icon name="close" size={14} />
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
