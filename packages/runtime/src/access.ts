import type { IncomingHttpHeaders } from 'node:http';
import type { Request } from 'express';
import type { Pool } from 'pg';
import { findMembership, useLiveSession, withTenant, type SessionRow } from '@somnus/db';
import { can, isOrgRoute, type Access, type Role } from '@somnus/models';
import { tenantOf, type Anonymous, type OrgActor, type RequestMeta, type SessionActor } from './actor';
import { fail, ok, type Result } from './result';
import { sha256 } from './secrets';

/** Session tokens are hex(K) from SRP: 64 lowercase hex. Anything else cannot be a session. */
const TOKEN = /^[0-9a-f]{64}$/;
const ORG_ID = /^org_[0-9a-f]{32}$/;

/** The desktop sends `X-Session-Id`; the web library sends `Authorization: Bearer`. */
export function sessionToken(req: { headers: IncomingHttpHeaders }): string | null {
  const header = req.headers['x-session-id'];
  if (typeof header === 'string' && header) return header.trim().toLowerCase();
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim().toLowerCase();
  return null;
}

export function hashSessionToken(token: string): Buffer {
  return sha256(token);
}

/** A live session as the lookup returns it: the session row with its account's email. */
export type LiveSession = SessionRow & { account_email: string; account_email_verified: boolean };

/**
 * The live session a request carries, in one query. The lookup is by SHA-256 of the token, so the
 * comparison happens inside a unique index on a hash: no timing signal about the token itself. Used by
 * the access check of every non-public route, and by the body guard before it reads a body larger than
 * the default limit (body-guard.ts).
 */
export async function liveSessionOf(db: Pool, req: { headers: IncomingHttpHeaders }): Promise<Result<LiveSession>> {
  const token = sessionToken(req);
  if (!token || !TOKEN.test(token)) return fail('UNAUTHORIZED', 'A valid session is required');
  const session = await useLiveSession(db, hashSessionToken(token));
  if (!session) return fail('UNAUTHORIZED', 'Session is unknown, expired or revoked');
  return ok(session);
}

/** The caller's live session, as the actor of a `session` route. */
async function sessionActor(db: Pool, req: Request, meta: RequestMeta): Promise<Result<SessionActor>> {
  const live = await liveSessionOf(db, req);
  if (!live.ok) return live;
  const session = live.value;
  return ok({ meta, accountId: session.account_id, email: session.account_email, emailVerified: session.account_email_verified, session });
}

/**
 * Membership (404 otherwise: "exists but not yours" and "does not exist" are one answer, so org ids
 * cannot be probed) and the route's permission (403). RLS enforces the membership again on every
 * statement the use case runs.
 */
async function orgActor(db: Pool, caller: SessionActor, orgId: string, permission: Parameters<typeof can>[1]): Promise<Result<OrgActor>> {
  const notFound = fail<OrgActor>('NOT_FOUND', 'No such organization');
  if (!ORG_ID.test(orgId)) return notFound;
  const membership = await withTenant(db, { ...tenantOf(caller), orgId }, (tx) => findMembership(tx, orgId, caller.accountId));
  if (!membership) return notFound;
  const role = membership.role as Role;
  if (!can(role, permission)) return fail('FORBIDDEN', `Your role (${role}) does not allow ${permission}`);
  return ok({ ...caller, orgId, role, permission });
}

/** The access check of a route, done once for every route from its contract. */
export async function resolveActor(
  db: () => Pool,
  access: Access,
  req: Request,
  params: Record<string, string>,
  meta: RequestMeta,
): Promise<Result<Anonymous | SessionActor | OrgActor>> {
  if (access === 'public') return ok({ meta });
  const caller = await sessionActor(db(), req, meta);
  if (!caller.ok || access === 'session') return caller;
  if (!isOrgRoute({ access })) return fail('FORBIDDEN', 'Not allowed');
  return orgActor(db(), caller.value, params.orgId ?? '', access);
}
