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

/**
 * The key the server holds for the caller does not open with the caller's private key (wrapped for
 * another key pair, or altered): it cannot be re-wrapped for anyone, so nothing is sent.
 */
export class ProjectKeyUnwrapError extends Error {
  override readonly name = 'ProjectKeyUnwrapError';
  constructor(
    readonly projectId: string,
    options?: { cause?: unknown },
  ) {
    super(`the key of project ${projectId} held for this account does not open with its private key; nothing was shared`, options);
  }
}

/** check-seats said no: the org has no seat left for the invitee, so nothing was sent. */
export class NoSeatsError extends Error {
  override readonly name = 'NoSeatsError';
  constructor(readonly orgId: string) {
    super(`organization ${orgId} has no free seat for another member`);
  }
}

/**
 * A GraphQL answer of `POST /graphql` with a non-empty `errors`: the server refused the operation
 * (docs/protocol.md §5). As Insomnia does, the first error is the one reported. `code` is its
 * `extensions.code` when the server gave one (`CONFLICT`, `PROJECT_EXISTS`, `UNAUTHORIZED`, …).
 */
export class SyncGraphqlError extends Error {
  override readonly name = 'SyncGraphqlError';
  constructor(
    /** The label of the operation (`?<label>` of the request). */
    readonly label: string,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** `project(id)` answered null: no such project, or the caller holds no key for it (the server does not say which). */
export class ProjectNotFoundError extends Error {
  override readonly name = 'ProjectNotFoundError';
  constructor(readonly projectId: string) {
    super(`project ${projectId}: project not found or no access`);
  }
}

/** The remote branch does not exist (or holds no snapshot yet). */
export class BranchNotFoundError extends Error {
  override readonly name = 'BranchNotFoundError';
  constructor(
    readonly projectId: string,
    readonly branch: string,
  ) {
    super(`the remote branch ${branch} of project ${projectId} does not exist`);
  }
}

/**
 * The remote branch is not where the local copy was based: someone pushed in between (pull first), or
 * the server refused the push as a non-fast-forward (`CONFLICT`). Nothing of the push was stored as history.
 */
export class SyncConflictError extends Error {
  override readonly name = 'SyncConflictError';
  constructor(
    readonly branch: string,
    message: string,
  ) {
    super(message);
  }
}

/** A pull would overwrite local documents that differ from the snapshot they were based on. */
export class LocalChangesError extends Error {
  override readonly name = 'LocalChangesError';
  constructor(
    readonly branch: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What the server handed back does not add up: a snapshot whose id does not hash its parent and state,
 * a blob whose id does not match its decrypted content, a document under the wrong key. The server is
 * not trusted with content, so this is refused rather than written anywhere.
 */
export class SyncIntegrityError extends Error {
  override readonly name = 'SyncIntegrityError';
}

/** A document the SDK was asked to push is not one: not a JSON object with a string `_id` and `name`, or too large. */
export class InvalidDocumentError extends Error {
  override readonly name = 'InvalidDocumentError';
}

/** Who a refused key belongs to, as far as the SDK knows (the email when the server listed one). */
export interface MemberRef {
  accountId: string;
  email?: string;
}

const nameOf = (m: MemberRef) => (m.email ? `${m.email} (${m.accountId})` : m.accountId);

/**
 * A member's key history does not prove the key the SDK was given (docs/key-authenticity.md §3): a hash or a
 * link that does not recompute, a head not signed by the pinned signing key or not matching the last entry,
 * a last entry whose fingerprint is not the key's, or a chain that does not extend what this SDK saw before
 * (an entry dropped or rewritten). Nothing was wrapped. Possibly a compromised server: do not retry blindly.
 */
export class KeyHistoryError extends Error {
  override readonly name = 'KeyHistoryError';
  constructor(
    readonly member: MemberRef,
    readonly reason: string,
  ) {
    super(`Refusing to wrap keys for ${nameOf(member)}: their key history does not check out (${reason})`);
  }
}

/**
 * A member's key differs from the one pinned in this org the first time a key was wrapped for them
 * (docs/key-authenticity.md §3.3). Nothing was wrapped. Compare `currentFingerprint` with the member out of
 * band, then `client.trustKey(orgId, accountId, currentFingerprint)` (CLI: `--trust <fingerprint>`).
 */
export class KeyChangedError extends Error {
  override readonly name = 'KeyChangedError';
  constructor(
    readonly orgId: string,
    readonly member: MemberRef,
    readonly pinnedFingerprint: string,
    readonly currentFingerprint: string,
  ) {
    super(
      `Refusing to wrap keys for ${nameOf(member)} in ${orgId}: their key changed from ${pinnedFingerprint} to ${currentFingerprint}. ` +
        'Compare the new fingerprint with them out of band, then trust it (somnus … --trust <fingerprint>).',
    );
  }
}

/** trustKey was given a fingerprint that is not the member's current one: nothing was pinned. */
export class FingerprintMismatchError extends Error {
  override readonly name = 'FingerprintMismatchError';
  constructor(
    readonly member: MemberRef,
    readonly given: string,
    readonly current: string,
  ) {
    super(`${nameOf(member)}'s current key has the fingerprint ${current}, not ${given}: nothing trusted`);
  }
}
