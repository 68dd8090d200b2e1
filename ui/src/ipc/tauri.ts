import { invoke as tauriInvoke } from '@tauri-apps/api/core';
import { listen as tauriListen } from '@tauri-apps/api/event';
import { CommandError } from './error';
import type { Transport } from './transport';
import type { UiEvent } from './types';

/** The single event name the shell emits; its payload is always a batch. */
export const EVENTS = 'parley://events';

export function hasTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

function noShell(): CommandError {
  return new CommandError('internal', "Parley's UI runs inside the desktop app");
}

export const tauriTransport: Transport = {
  async invoke(name, args, options) {
    if (!hasTauri()) throw noShell();
    return tauriInvoke(name, args, options);
  },
  async listen(handler) {
    if (!hasTauri()) throw noShell();
    return tauriListen<UiEvent[]>(EVENTS, (event) => handler(event.payload));
  },
};
