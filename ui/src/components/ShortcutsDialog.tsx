import { SHORTCUTS } from '../lib/shortcuts';
import { Dialog } from './Dialog';

/** `Ctrl+/`: every keyboard shortcut. */
export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose}>
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.does}>
              <td>{s.keys.map((k, i) => <span key={k}>{i > 0 && '+'}<kbd>{k}</kbd></span>)}</td>
              <td>{s.does}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
