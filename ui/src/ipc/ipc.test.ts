import { afterEach, describe, expect, it, vi } from 'vitest';
import { commands } from './commands';
import { CommandError } from './error';
import { invoke, setTransport, subscribe } from './invoke';
import { tauriTransport } from './tauri';
import type { Transport } from './transport';

afterEach(() => setTransport(tauriTransport));

describe('ipc', () => {
  it('refuses clearly outside the desktop shell', async () => {
    const err = await invoke('session_state').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect(err).toMatchObject({ code: 'internal', message: "Parley's UI runs inside the desktop app" });
  });

  it('keeps known codes and folds unknown ones into internal, keeping the message', () => {
    expect(CommandError.from({ code: 'rate_limited', message: 'slow down' })).toMatchObject({ code: 'rate_limited', message: 'slow down' });
    expect(CommandError.from({ code: 'from_the_future', message: 'new kind' })).toMatchObject({ code: 'internal', message: 'new kind' });
  });

  it('turns {code, message} rejections into CommandError', async () => {
    setTransport({ invoke: () => Promise.reject({ code: 'not_found', message: 'No such conversation' }), listen: vi.fn() });
    await expect(invoke('conversations')).rejects.toMatchObject({ name: 'CommandError', code: 'not_found', message: 'No such conversation' });
  });

  it('passes camelCase arguments through unchanged', async () => {
    const spy = vi.fn<Transport['invoke']>(async () => []);
    setTransport({ invoke: spy, listen: vi.fn() });
    await invoke('messages', { conversationId: 'c1', before: null, limit: 50 });
    expect(spy).toHaveBeenCalledWith('messages', { conversationId: 'c1', before: null, limit: 50 });
  });

  it('sends raw bodies with their headers through the same transport', async () => {
    const spy = vi.fn<Transport['invoke']>(async () => ({ staged_id: 's1', name: 'ä b.txt', size: 3, content_type: 'text/plain' }));
    setTransport({ invoke: spy, listen: vi.fn() });
    const bytes = new Uint8Array([1, 2, 3]);
    await commands.stageAttachment('ä b.txt', '', bytes);
    expect(spy).toHaveBeenCalledWith('stage_attachment', bytes, {
      headers: { 'x-parley-name': '%C3%A4%20b.txt', 'x-parley-content-type': 'application/octet-stream' },
    });
  });

  it('unsubscribes even when cleanup runs before listen resolves', async () => {
    const unlisten = vi.fn();
    let resolve!: (fn: () => void) => void;
    const handler = vi.fn();
    let deliver!: (batch: []) => void;
    setTransport({
      invoke: vi.fn(),
      listen: (h) => {
        deliver = h;
        return new Promise((r) => (resolve = r));
      },
    });
    const stop = subscribe(handler);
    stop(); // the effect cleanup, synchronously, before Tauri answered
    resolve(unlisten);
    await Promise.resolve();
    await Promise.resolve();
    expect(unlisten).toHaveBeenCalledTimes(1);
    deliver([]);
    expect(handler).not.toHaveBeenCalled();
  });

  it('unsubscribes at once after listen resolved', async () => {
    const unlisten = vi.fn();
    setTransport({ invoke: vi.fn(), listen: async () => unlisten });
    const stop = subscribe(vi.fn());
    await Promise.resolve();
    await Promise.resolve();
    stop();
    expect(unlisten).toHaveBeenCalledTimes(1);
  });
});
