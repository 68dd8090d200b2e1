import type { CachedMessage } from '../ipc';

/** What the composer is doing besides writing a new message. */
export type ComposerMode = { kind: 'reply'; entry: CachedMessage } | { kind: 'edit'; entry: CachedMessage } | null;
