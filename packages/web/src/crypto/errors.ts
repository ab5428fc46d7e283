/**
 * Errors of the browser crypto library. Each carries a stable `code` so the pages can choose what to
 * show without parsing messages; messages never contain a passphrase, key or token.
 */
export class WebCryptoError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A failed call of the login or account flows. `code` is the server's error code (docs/protocol.md §1,
 * e.g. INVALID_CREDENTIALS, RATE_LIMITED) when the server answered with one, or one of ours
 * (SERVER_PROOF, WRONG_PASSPHRASE, BAD_RESPONSE).
 */
export class AuthFlowError extends WebCryptoError {
  readonly status: number | undefined;
  constructor(code: string, message: string, status?: number, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
  }
}
