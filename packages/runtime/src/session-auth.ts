import type { Request } from 'express';
import { findLiveSessionByTokenHash, getPool, touchSession, type SessionRow } from '@somnus/db';
import { unauthorized } from './http-error';
import { sha256 } from './secrets';

/** Session tokens are hex(K) from SRP: 64 lowercase hex. Anything else cannot be a session. */
const TOKEN = /^[0-9a-f]{64}$/;

/** The desktop sends `X-Session-Id`; the web library sends `Authorization: Bearer`. */
export function sessionToken(req: Request): string | null {
  const header = req.headers['x-session-id'];
  if (typeof header === 'string' && header) return header.trim().toLowerCase();
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim().toLowerCase();
  return null;
}

export function hashSessionToken(token: string): Buffer {
  return sha256(token);
}

/**
 * Resolves the caller's live session or throws 401. The lookup is by SHA-256 of the token, so the
 * comparison happens inside a unique index on a hash: no timing signal about the token itself.
 */
export async function requireSession(req: Request): Promise<SessionRow> {
  const token = sessionToken(req);
  if (!token || !TOKEN.test(token)) throw unauthorized();
  const pool = getPool();
  const session = await findLiveSessionByTokenHash(pool, hashSessionToken(token));
  if (!session) throw unauthorized('Session is unknown, expired or revoked');
  await touchSession(pool, session.id);
  return session;
}
