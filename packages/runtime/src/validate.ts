import type { Request } from 'express';
import type { z } from 'zod';
import { fail, ok, type Result } from './result';

export const DEFAULT_BODY_LIMIT = 64 * 1024;

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

/** Validates any value (a query string, a path parameter); `what` prefixes the message. */
export function parseValue<S extends z.ZodType>(value: unknown, schema: S, what?: string): Result<z.output<S>> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) return fail('VALIDATION_ERROR', what ? `${what}: ${describe(parsed.error.issues)}` : describe(parsed.error.issues));
  return ok(parsed.data);
}
