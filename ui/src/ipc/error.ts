import type { CommandErrorBody } from './types';

/**
 * The one error type the UI sees from the shell. Commands reject with `{code, message}`
 * (the Rust `CommandError` serializes to exactly that); anything else a rejection may carry
 * (a bare string from Tauri itself, an exception thrown in the webview) is folded into the
 * same shape so views only ever read `error.message`.
 */
export class CommandError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'CommandError';
    this.code = code;
  }

  static from(raw: unknown): CommandError {
    if (raw instanceof CommandError) return raw;
    if (isCodeMessage(raw)) return new CommandError(raw.code, raw.message);
    if (raw instanceof Error) return new CommandError('internal', raw.message);
    if (typeof raw === 'string') return new CommandError('internal', raw);
    return new CommandError('internal', 'Something went wrong');
  }
}

function isCodeMessage(raw: unknown): raw is CommandErrorBody {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as Record<string, unknown>;
  return typeof r.code === 'string' && typeof r.message === 'string';
}

/** A short human message for any error a hook may surface. */
export function errorMessage(err: unknown): string {
  return CommandError.from(err).message;
}
