import type { Pool, PoolClient } from 'pg';
import { setTenantContext, type TenantContext } from '@somnus/db';
import type { Result } from './result';

/**
 * One transaction around a use case's writes, settled by its Result: committed on success, rolled back on
 * a failure (so bad input changes nothing) unless the failure asks to keep its writes (a counted wrong
 * attempt). A throw rolls back and propagates: it is a bug, not an expected failure.
 */
export async function transaction<T>(db: Pool, fn: (tx: PoolClient) => Promise<Result<T>>, tenant?: TenantContext): Promise<Result<T>> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    if (tenant) await setTenantContext(client, tenant);
    const result = await fn(client);
    await client.query(result.ok || result.commit ? 'COMMIT' : 'ROLLBACK');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** A transaction in which RLS sees the caller (and the org in the path, for org routes). */
export function tenantTransaction<T>(db: Pool, tenant: TenantContext, fn: (tx: PoolClient) => Promise<Result<T>>): Promise<Result<T>> {
  return transaction(db, fn, tenant);
}
