import type { Pool, PoolClient } from 'pg';
import { findMembership, isSessionLive, lockOrgExclusive, lockOrgShared, withTenant, withTransaction, type TenantContext, type TransactionMode } from '@somnus/db';
import { can, type Role } from '@somnus/models';
import { tenantOf, type OrgActor } from './actor';
import { fail, type Result } from './result';

/** Committed on success; a failure rolls back unless it asks to keep its writes (a counted wrong attempt). */
const keeps = (result: Result<unknown>) => result.ok || result.commit === true;

/**
 * One transaction around a use case's writes, settled by its Result, so that a refused request changes
 * nothing. A throw rolls back and propagates: it is a bug, not an expected failure.
 */
export function transaction<T>(db: Pool, fn: (tx: PoolClient) => Promise<Result<T>>, tenant?: TenantContext, mode?: TransactionMode): Promise<Result<T>> {
  return tenant ? withTenant(db, tenant, fn, keeps, mode) : withTransaction(db, fn, keeps);
}

/** A transaction in which RLS sees the caller (and the org in the path, for org routes). */
export function tenantTransaction<T>(db: Pool, tenant: TenantContext, fn: (tx: PoolClient) => Promise<Result<T>>): Promise<Result<T>> {
  return transaction(db, fn, tenant);
}

/**
 * The transaction of an org route's use case. The router's access check ran in its own transaction; here,
 * under the org's advisory lock, the session, the membership and the role are read again, so a change committed in between
 * is seen (404 if no longer a member, 403 if the role no longer allows the route) and a change arriving
 * now waits until this transaction ends. Use cases that change memberships or roles ask for `exclusive`.
 * `fn` gets the actor as re-read.
 */
export function orgTransaction<T>(
  db: Pool,
  actor: OrgActor,
  fn: (tx: PoolClient, actor: OrgActor) => Promise<Result<T>>,
  opts: { exclusive?: boolean } = {},
): Promise<Result<T>> {
  return transaction(
    db,
    async (tx) => {
      await (opts.exclusive ? lockOrgExclusive(tx, actor.orgId) : lockOrgShared(tx, actor.orgId));
      if (!(await isSessionLive(tx, actor.session.id))) return fail('UNAUTHORIZED', 'Session is unknown, expired or revoked');
      const membership = await findMembership(tx, actor.orgId, actor.accountId);
      if (!membership) return fail('NOT_FOUND', 'No such organization');
      const role = membership.role as Role;
      if (!can(role, actor.permission)) return fail('FORBIDDEN', `Your role (${role}) does not allow ${actor.permission}`);
      return fn(tx, { ...actor, role });
    },
    tenantOf(actor),
  );
}
