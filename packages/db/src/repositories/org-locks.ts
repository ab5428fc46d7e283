import type { Queryable } from '../pool';

/**
 * Transaction-scoped advisory locks on an organization. Every action in an org holds the shared lock while
 * it re-checks the caller's membership and role and does its work; removing a member, changing a role or
 * ownership, and deleting the org hold the exclusive one. So a member demoted or removed mid-request either
 * is re-checked after the change (and refused) or finishes first: no action runs on a role that no longer
 * holds. Accepting an invitation and resetting an account take the shared lock of each org they touch
 * before any of its rows, so every transaction takes the org's lock before its row locks and none can
 * deadlock another on them. Advisory locks need no table privilege, so they work for every role under RLS.
 */
/** The lock's key for the org in the SQL expression `orgIdSql`; every taker of the lock uses this one. */
export const orgLockKey = (orgIdSql: string) => `hashtextextended('org:' || ${orgIdSql}, 0)`;

export async function lockOrgShared(db: Queryable, orgId: string): Promise<void> {
  await db.query({ name: 'lock-org-shared', text: `SELECT pg_advisory_xact_lock_shared(${orgLockKey('$1')})`, values: [orgId] });
}

export async function lockOrgExclusive(db: Queryable, orgId: string): Promise<void> {
  await db.query({ name: 'lock-org-exclusive', text: `SELECT pg_advisory_xact_lock(${orgLockKey('$1')})`, values: [orgId] });
}
