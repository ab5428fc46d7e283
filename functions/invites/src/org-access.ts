import type { PoolClient } from 'pg';
import { findAccountById, findMembership, getPool, withTenant, type AccountRow, type MembershipRow, type SessionRow } from '@somnus/db';
import { can, type Permission, type Role } from '@somnus/models';
import { HttpError } from '@somnus/runtime';

const ORG_ID = /^org_[0-9a-f]{32}$/;

export interface OrgScope {
  tx: PoolClient;
  account: AccountRow;
  orgId: string;
  membership: MembershipRow & { role: Role };
}

/** "Exists but not yours" and "does not exist" are one answer, so ids cannot be probed (DESIGN.md §7a). */
export const orgNotFound = () => new HttpError('NOT_FOUND', 'No such organization');

/**
 * Runs `fn` in a transaction under the caller's tenant context for the org in the path, after checking
 * membership (404 otherwise) and the permission the action needs (403 otherwise). RLS enforces the same
 * membership again on every statement.
 */
export async function inOrg<T>(session: SessionRow, orgId: string, permission: Permission, fn: (scope: OrgScope) => Promise<T>): Promise<T> {
  if (!ORG_ID.test(orgId)) throw orgNotFound();
  const pool = getPool();
  const account = await findAccountById(pool, session.account_id);
  if (!account) throw new HttpError('UNAUTHORIZED', 'Account no longer exists');
  return withTenant(pool, { accountId: account.id, email: account.email, orgId }, async (tx) => {
    const membership = await findMembership(tx, orgId, account.id);
    if (!membership) throw orgNotFound();
    if (!can(membership.role, permission)) {
      throw new HttpError('FORBIDDEN', `Your role (${membership.role}) does not allow ${permission}`);
    }
    return fn({ tx, account, orgId, membership: membership as OrgScope['membership'] });
  });
}

/** Account-wide calls (list my orgs, create an org, my invites): tenant context without an org. */
export async function asAccount<T>(session: SessionRow, fn: (tx: PoolClient, account: AccountRow) => Promise<T>): Promise<T> {
  const pool = getPool();
  const account = await findAccountById(pool, session.account_id);
  if (!account) throw new HttpError('UNAUTHORIZED', 'Account no longer exists');
  return withTenant(pool, { accountId: account.id, email: account.email }, (tx) => fn(tx, account));
}
