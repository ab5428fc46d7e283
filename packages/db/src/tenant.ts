import { escapeLiteral, type Pool, type PoolClient } from 'pg';
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

/**
 * The statement that opens a tenant transaction: BEGIN and the context in one round trip, where a
 * parameterised set_config would need a second (a multi-statement query cannot take parameters). The
 * values go in as literals escaped by pg's own escapeLiteral; they are ids and an email the server read
 * from its own rows, never raw request text.
 */
export function beginAs(ctx: TenantContext, mode: TransactionMode = 'read-write'): string {
  const set = (name: string, value: string) => `set_config('${name}', ${escapeLiteral(value)}, true)`;
  return `${mode === 'read-only-snapshot' ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN'}; SELECT ${set('app.account_id', ctx.accountId)}, ${set('app.email', ctx.email ?? '')}, ${set('app.org_id', ctx.orgId ?? '')}`;
}

/**
 * `read-write`: Postgres's default, each statement sees what is committed when it starts. `read-only-snapshot`:
 * every statement sees the one snapshot taken when the transaction starts (and nothing may be written), so
 * a read that checks access and then reads, waiting for a lock in between, answers wholly as of one moment:
 * a change committed while it waited (a member removed) cannot make its later statements see nothing.
 */
export type TransactionMode = 'read-write' | 'read-only-snapshot';

/** A transaction in which every statement runs under the caller's tenant context. */
export function withTenant<T>(pool: Pool, ctx: TenantContext, fn: (client: PoolClient) => Promise<T>, commitIf?: (result: T) => boolean, mode?: TransactionMode): Promise<T> {
  return withTransaction(pool, fn, commitIf, beginAs(ctx, mode));
}

/** Adds the org to the current transaction's context, once the caller has just become its member. */
export async function setTenantOrg(db: Queryable, orgId: string): Promise<void> {
  await db.query({ name: 'set-tenant-org', text: `SELECT set_config('app.org_id', $1, true)`, values: [orgId] });
}
