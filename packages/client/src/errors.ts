/**
 * Typed failures of the SDK. Callers (the CLI, tests, other tools) need to tell apart
 * "the server said no" (SomnusApiError: show its code), "the server answered something that is not
 * the protocol" (SomnusResponseError: a bug or a hostile server, never retry blindly),
 * "the server could not be reached" (SomnusNetworkError) and "the server could not prove it knows
 * the verifier" (ServerProofError: possible impersonation, the session token must be dropped).
 * Wrong passphrases detected locally are @somnus/crypto's WrongPassphraseError, re-exported as is.
 */

/** A `{error: CODE, message}` answer with a 4xx/5xx status (docs/protocol.md §1). */
export class SomnusApiError extends Error {
  override readonly name = 'SomnusApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds from a `Retry-After` header (rate limits), when the server sent one. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

/** The server answered, but not with what the protocol says (wrong shape, not JSON, …). */
export class SomnusResponseError extends Error {
  override readonly name = 'SomnusResponseError';
  constructor(
    readonly status: number,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** No HTTP answer at all: connection refused, DNS failure, timeout. */
export class SomnusNetworkError extends Error {
  override readonly name = 'SomnusNetworkError';
  constructor(
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The server's M2 did not match what an honest server holding our verifier must send. Whoever
 * answered does not know the verifier, so the K we derived is not a session with the real server.
 */
export class ServerProofError extends Error {
  override readonly name = 'ServerProofError';
  constructor() {
    super('The server could not prove it knows this account (SRP M2 mismatch); not logged in');
  }
}

/** An SDK method that needs a session was called without one. */
export class NotLoggedInError extends Error {
  override readonly name = 'NotLoggedInError';
  constructor() {
    super('Not logged in');
  }
}

/** The caller holds no key for a project (not shared with it yet, or lost in an account reset). */
export class NoProjectKeyError extends Error {
  override readonly name = 'NoProjectKeyError';
  constructor(readonly projectId: string) {
    super(`no key for project ${projectId} has been shared with this account; an org admin can re-share it (somnus org reshare)`);
  }
}

/** check-seats said no: the org has no seat left for the invitee, so nothing was sent. */
export class NoSeatsError extends Error {
  override readonly name = 'NoSeatsError';
  constructor(readonly orgId: string) {
    super(`organization ${orgId} has no free seat for another member`);
  }
}
