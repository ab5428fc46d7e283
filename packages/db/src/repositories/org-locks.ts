import type { Queryable } from '../pool';

/**
 * Transaction-scoped advisory locks on an organization. Every action in an org holds the shared lock while
 * it re-checks the caller's membership and role and does its work; anything that changes memberships or
 * roles holds the exclusive one. So a member demoted or removed mid-request either is re-checked after the
 * change (and refused) or finishes first: no action runs on a role that no longer holds. Advisory locks
 * need no table privilege, so they work for every role under RLS.
 */
export async function lockOrgShared(db: Queryable, orgId: string): Promise<void> {
  await db.query({ name: 'lock-org-shared', text: `SELECT pg_advisory_xact_lock_shared(hashtextextended('org:' || $1, 0))`, values: [orgId] });
}

export async function lockOrgExclusive(db: Queryable, orgId: string): Promise<void> {
  await db.query({ name: 'lock-org-exclusive', text: `SELECT pg_advisory_xact_lock(hashtextextended('org:' || $1, 0))`, values: [orgId] });
}
