import { vi } from 'vitest';
import { setTransport, type InvokeOptions, type UiEvent } from '../ipc';

/** Raw-body commands (`stage_attachment`) get their bytes as `args` and headers in `options`. */
type Handler = (args: Record<string, unknown>, options?: InvokeOptions) => unknown;

/**
 * The test seam: a fake transport behind `src/ipc`, so everything above it (queries, hooks,
 * components) runs for real. `invoke` is a spy; `emit` delivers an event batch.
 */
export function installFakeShell(handlers: Record<string, Handler> = {}) {
  const listeners = new Set<(batch: UiEvent[]) => void>();
  const invoke = vi.fn(async (name: string, args: Record<string, unknown> | Uint8Array | undefined, options?: InvokeOptions) => {
    const h = handlers[name];
    return h ? h((args ?? {}) as Record<string, unknown>, options) : undefined;
  });
  const previous = setTransport({
    invoke,
    listen: async (handler) => {
      listeners.add(handler);
      return () => listeners.delete(handler);
    },
  });
  return {
    invoke,
    handlers,
    emit: (batch: UiEvent[]) => listeners.forEach((l) => l(batch)),
    listenerCount: () => listeners.size,
    restore: () => setTransport(previous),
    /** The arguments of every call to one command. */
    callsOf: (name: string) => invoke.mock.calls.filter(([n]) => n === name).map(([, a]) => a),
  };
}
