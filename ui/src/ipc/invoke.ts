import { CommandError } from './error';
import { tauriTransport } from './tauri';
import type { InvokeBody, InvokeOptions, Transport } from './transport';
import type { CommandArgs, CommandName, CommandResult, UiEvent } from './types';

let transport: Transport = tauriTransport;

/** Swap the host (tests, the screenshot preview). Returns the previous one. */
export function setTransport(next: Transport): Transport {
  const prev = transport;
  transport = next;
  return prev;
}

/**
 * Call a shell command; every rejection becomes a `CommandError`. Raw-body commands (whose
 * arguments are bytes) pass their metadata as `options.headers`.
 */
export async function invoke<K extends CommandName>(
  name: K,
  ...args: CommandArgs<K> extends undefined ? [] : [CommandArgs<K>, InvokeOptions?]
): Promise<CommandResult<K>> {
  const [body, options] = args as [InvokeBody | undefined, InvokeOptions | undefined];
  try {
    const result = options ? transport.invoke(name, body, options) : transport.invoke(name, body);
    return (await result) as CommandResult<K>;
  } catch (err) {
    throw CommandError.from(err);
  }
}

/**
 * Subscribe to `parley://events` batches and get back a *synchronous* unsubscribe.
 *
 * Tauri's `listen` resolves asynchronously; a React effect cleanup that runs before it
 * resolves (StrictMode double-mount, fast unmount) would otherwise leak the listener. Like
 * Yaak's `toSyncUnsubscribe`, we remember that the caller already left and unlisten as soon
 * as the promise settles.
 */
export function subscribe(handler: (batch: UiEvent[]) => void): () => void {
  let unlisten: (() => void) | null = null;
  let cancelled = false;
  transport.listen((batch) => {
    if (!cancelled) handler(batch);
  }).then(
    (fn) => {
      if (cancelled) fn();
      else unlisten = fn;
    },
    (err: unknown) => {
      if (!cancelled) console.warn('parley: could not listen for events:', CommandError.from(err).message);
    },
  );
  return () => {
    cancelled = true;
    unlisten?.();
    unlisten = null;
  };
}
