import type { Pool, PoolClient } from 'pg';
import { withTransaction, type Queryable } from './pool';

/** Who is asking, and in which organization: what the RLS policies read (migration …_organizations). */
export interface TenantContext {
  accountId: string;
  /** normalised email: lets an invitee see the invites addressed to them */
  email?: string;
  /** the org in the request path; absent for account-wide calls such as listing one's orgs */
  orgId?: string;
}

/** Sets the context for the rest of the current transaction only (set_config(..., true) = SET LOCAL). */
export async function setTenantContext(db: Queryable, ctx: TenantContext): Promise<void> {
  await db.query({
    name: 'set-tenant-context',
    text: `SELECT set_config('app.account_id', $1, true), set_config('app.email', $2, true), set_config('app.org_id', $3, true)`,
    values: [ctx.accountId, ctx.email ?? '', ctx.orgId ?? ''],
  });
}

/** A transaction in which every statement runs under the caller's tenant context. */
export function withTenant<T>(pool: Pool, ctx: TenantContext, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(pool, async (client) => {
    await setTenantContext(client, ctx);
    return fn(client);
  });
}

/** Adds the org to the current transaction's context, once the caller has just become its member. */
export async function setTenantOrg(db: Queryable, orgId: string): Promise<void> {
  await db.query({ name: 'set-tenant-org', text: `SELECT set_config('app.org_id', $1, true)`, values: [orgId] });
}
