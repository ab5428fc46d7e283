import type { ErrorCode } from '@somnus/models';

/**
 * The one error model of every use case: expected failures are values, not exceptions. A use case can
 * commit a counter (a failed attempt) and still report the failure; the runtime maps a failure to
 * `{error, message}` with the code's status. A thrown error is a bug and becomes a 500 with a request id.
 */
export type Result<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      error: ErrorCode;
      message: string;
      headers?: Record<string, string>;
      /** Keep what the transaction wrote although the request fails (an attempt counter). Default: roll back. */
      commit?: boolean;
    };
export type Failure = Extract<Result<never>, { ok: false }>;

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const fail = <T = never>(
  error: ErrorCode,
  message: string,
  opts: { headers?: Record<string, string>; commit?: boolean } = {},
): Result<T> => ({ ok: false, error, message, ...opts });

/** The same failure, keeping the writes of its transaction (a counted wrong attempt). */
export const failAndKeep = <T = never>(error: ErrorCode, message: string): Result<T> => fail<T>(error, message, { commit: true });
