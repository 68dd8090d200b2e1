import type { ErrorCode } from './types';

/** Every code, checked against the generated union at compile time (none missing, none extra). */
const CODES: Record<ErrorCode, true> = {
  offline: true,
  signed_out: true,
  not_signed_in: true,
  invalid: true,
  rejected: true,
  conflict: true,
  not_found: true,
  too_large: true,
  rate_limited: true,
  keyring: true,
  cache: true,
  unsafe_file: true,
  server_error: true,
  internal: true,
};

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(CODES, code);
}

/**
 * The one error type the UI sees from the shell. Commands reject with `{code, message}`
 * (the Rust `CommandError` serializes to exactly that); anything else a rejection may carry
 * (a bare string from Tauri itself, an exception thrown in the webview) is folded into the
 * same shape so views only ever read `error.message`. Views that react to a kind of failure
 * switch on `code`, an `ErrorCode` generated from the Rust type — never on the message text.
 */
export class CommandError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'CommandError';
    this.code = code;
  }

  static from(raw: unknown): CommandError {
    if (raw instanceof CommandError) return raw;
    if (isCodeMessage(raw)) {
      // A code this UI doesn't know (a newer shell) still carries its message.
      return new CommandError(isErrorCode(raw.code) ? raw.code : 'internal', raw.message);
    }
    if (raw instanceof Error) return new CommandError('internal', raw.message);
    if (typeof raw === 'string') return new CommandError('internal', raw);
    return new CommandError('internal', 'Something went wrong');
  }
}

function isCodeMessage(raw: unknown): raw is { code: string; message: string } {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as Record<string, unknown>;
  return typeof r.code === 'string' && typeof r.message === 'string';
}

/** A short human message for any error a hook may surface. */
export function errorMessage(err: unknown): string {
  return CommandError.from(err).message;
}
