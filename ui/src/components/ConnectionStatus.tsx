import { CONNECTION_TEXT, useConnectionState } from '../state/connection';

/** The engine's connection state; its text is exactly one of PRODUCT.md §4's four strings. */
export function ConnectionStatus() {
  const state = useConnectionState();
  return (
    <div className={`status status-${state.toLowerCase()}`} role="status">
      <span className="status-dot" aria-hidden="true" />
      {CONNECTION_TEXT[state]}
    </div>
  );
}
