import type { Request } from 'express';
import type { z } from 'zod';
import { fail, ok, type Result } from './result';

export const DEFAULT_BODY_LIMIT = 64 * 1024;
/** No id or name in a path is longer; a longer segment is a mistake or a probe. */
export const MAX_PATH_PARAM = 256;

/**
 * The format of every id a path of the route table can carry, by parameter name (docs/architecture.md §7a:
 * server-assigned ids are a prefix and 32 lowercase hex; a team project's default id is `proj_<orgId>`).
 * Every path id is checked against it before anything reaches SQL; defineFunction refuses to load a route
 * whose parameter has no entry here. An id that does not match cannot exist, so it gets the same status
 * as one that does not exist (`404`), as the org and invitation ids always have.
 */
export const PATH_ID_FORMATS: Readonly<Record<string, { format: RegExp; kind: string }>> = {
  orgId: { format: /^org_[0-9a-f]{32}$/, kind: 'organization' },
  invitationId: { format: /^inv_[0-9a-f]{32}$/, kind: 'invitation' },
  accountId: { format: /^acct_[0-9a-f]{32}$/, kind: 'account' },
  sessionId: { format: /^sess_[0-9a-f]{32}$/, kind: 'session' },
  projectId: { format: /^proj_(?:org_)?[0-9a-f]{32}$/, kind: 'team project' },
};

/**
 * Path parameters reach use cases as strings: each must be a string a database can compare, and an id of
 * its parameter's format (PATH_ID_FORMATS).
 */
export function checkPathParams(params: Record<string, string>): Result<Record<string, string>> {
  for (const [name, value] of Object.entries(params)) {
    if (value.length > MAX_PATH_PARAM) return fail('VALIDATION_ERROR', `path parameter ${name}: longer than ${MAX_PATH_PARAM} characters`);
    if (malformedStringAt(value) !== null) return fail('VALIDATION_ERROR', `path parameter ${name}: must be well-formed Unicode without NUL characters`);
    const id = PATH_ID_FORMATS[name];
    // unreachable for a loaded function (defineFunction checks its routes), but never let an unknown id through
    if (!id) return fail('NOT_FOUND', `No such ${name}`);
    if (!id.format.test(value)) return fail('NOT_FOUND', `No such ${id.kind} (path parameter ${name} is not of its id format)`);
  }
  return ok(params);
}

/** The parameter names of a route path (`/v1/organizations/:orgId/members/:accountId` → orgId, accountId). */
export const pathParamNames = (path: string): string[] => [...path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);

function describe(issues: z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ');
}

/**
 * Validates a JSON body against its wire schema. Size is checked on the raw bytes, so an oversized
 * body is a 413 whatever its shape; a non-JSON body is a 415 and a wrong shape a 400.
 */
export function parseBody<S extends z.ZodType>(req: Request, schema: S, limit = DEFAULT_BODY_LIMIT): Result<z.output<S>> {
  const raw = (req as Request & { rawBody?: Buffer }).rawBody;
  const size = raw?.length ?? Number(req.headers['content-length'] ?? 0);
  if (size > limit) return fail('PAYLOAD_TOO_LARGE', `Request body is larger than ${limit} bytes`);
  let body: unknown = req.body;
  const empty = !raw || raw.length === 0;
  if (empty) {
    body = {}; // bodiless POSTs validate as an empty object
  } else if (!req.is('application/json')) {
    return fail('UNSUPPORTED_MEDIA_TYPE', 'Request body must be JSON sent as Content-Type: application/json');
  }
  return parseValue(body, schema);
}

const MAX_DEPTH = 32;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The first string in a value that Postgres or Unicode cannot take — a NUL (text columns refuse it) or a
 * lone surrogate (not Unicode; the driver would fail on it) — as its path, or null. Checked before any
 * schema, so such input is a 400 wherever it is, never a database error.
 */
export function malformedStringAt(value: unknown, path: string[] = [], depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\0') || LONE_SURROGATE.test(value) ? path.join('.') || 'value' : null;
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return null;
  for (const [key, child] of Object.entries(value)) {
    const bad = malformedStringAt(key, [...path, '(key)'], depth + 1) ?? malformedStringAt(child, [...path, key], depth + 1);
    if (bad !== null) return bad;
  }
  return null;
}

/** Validates any value (a query string, a path parameter); `what` prefixes the message. */
export function parseValue<S extends z.ZodType>(value: unknown, schema: S, what?: string): Result<z.output<S>> {
  const bad = malformedStringAt(value);
  if (bad !== null) {
    const where = what ? `${what}: ${bad}` : bad;
    return fail('VALIDATION_ERROR', `${where}: must be well-formed Unicode without NUL characters`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) return fail('VALIDATION_ERROR', what ? `${what}: ${describe(parsed.error.issues)}` : describe(parsed.error.issues));
  return ok(parsed.data);
}
