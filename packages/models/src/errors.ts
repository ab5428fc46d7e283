import { z } from 'zod';

/**
 * Every error a client can receive, with its HTTP status (docs/protocol.md §1).
 * Bodies are always `{ error: CODE, message }`.
 */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  INVALID_CODE: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  LOGIN_SESSION_INVALID: 401,
  FORBIDDEN: 403,
  NEEDS_TO_INCREASE_SEATS: 403,
  /** The account's email address is not verified yet (docs/protocol.md §4.1), and the action needs it. */
  EMAIL_NOT_VERIFIED: 403,
  NOT_FOUND: 404,
  /** Git sync sign-in asked of a deployment whose operator configured no OAuth App. */
  GIT_OAUTH_NOT_CONFIGURED: 404,
  METHOD_NOT_ALLOWED: 405,
  EMAIL_TAKEN: 409,
  ALREADY_MEMBER: 409,
  INVITE_EXISTS: 409,
  INVITE_CLOSED: 409,
  PROJECT_EXISTS: 409,
  KEY_EXISTS: 409,
  /** An approval named a fingerprint that is not the member's current key (docs/protocol.md §6, key approval). */
  FINGERPRINT_MISMATCH: 409,
  /** Keys were sent for a member whose changed key is not approved in the org yet (quarantined, §6). */
  KEY_NOT_APPROVED: 409,
  CONFLICT: 409,
  CODE_EXPIRED: 410,
  INVITE_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  /** An upstream service (GitHub's token endpoint) failed or did not answer in time. */
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: ErrorCode;
  message: string;
}

/** Every error answer, exactly these two fields. */
export const errorBody = z.object({ error: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]), message: z.string() }).strict();
