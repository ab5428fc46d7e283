import type { Pool, PoolClient } from 'pg';
import { setTenantContext, withTransaction, type TenantContext } from '@somnus/db';
import type { Result } from './result';

/** Committed on success; a failure rolls back unless it asks to keep its writes (a counted wrong attempt). */
const keeps = (result: Result<unknown>) => result.ok || result.commit === true;

/**
 * One transaction around a use case's writes, settled by its Result, so that a refused request changes
 * nothing. A throw rolls back and propagates: it is a bug, not an expected failure.
 */
export function transaction<T>(db: Pool, fn: (tx: PoolClient) => Promise<Result<T>>, tenant?: TenantContext): Promise<Result<T>> {
  return withTransaction(
    db,
    async (tx) => {
      if (tenant) await setTenantContext(tx, tenant);
      return fn(tx);
    },
    keeps,
  );
}

/** A transaction in which RLS sees the caller (and the org in the path, for org routes). */
export function tenantTransaction<T>(db: Pool, tenant: TenantContext, fn: (tx: PoolClient) => Promise<Result<T>>): Promise<Result<T>> {
  return transaction(db, fn, tenant);
}
