// The only module that talks to the Tauri shell (STYLE.md point 23). Everything else in the
// UI imports from here.
export { commands } from './commands';
export { CommandError, errorMessage } from './error';
export { invoke, setTransport, subscribe } from './invoke';
export { hasTauri, EVENTS } from './tauri';
export type { InvokeBody, InvokeOptions, Transport } from './transport';
export type * from './types';
