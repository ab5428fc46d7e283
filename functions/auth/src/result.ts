import type { ErrorCode } from '@somnus/models';

/**
 * Expected failures are values, not exceptions (DESIGN.md §10): a use case can commit a counter
 * (a failed attempt) and still report the failure, and the handler maps it to `{error, message}`.
 */
export type Result<T> =
  | { ok: true; value: T }
  | { ok: false; error: ErrorCode; message: string; headers?: Record<string, string> };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(error: ErrorCode, message: string, headers?: Record<string, string>): Result<T> => ({
  ok: false,
  error,
  message,
  headers,
});
