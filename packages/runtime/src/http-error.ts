import { ERROR_STATUS, type ErrorCode } from '@somnus/models';

/** An expected failure with a wire error code; the router turns it into `{error, message}`. */
export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export const notFound = (what = 'Not found') => new HttpError('NOT_FOUND', what);
export const unauthorized = (message = 'A valid session is required') => new HttpError('UNAUTHORIZED', message);
