import type { ConnectionOptions } from 'node:tls';
import { Pool, type PoolClient, type QueryConfig, type QueryResultRow } from 'pg';

/**
 * Anything that can run a query: the pool or a client inside a transaction. Repositories accept either.
 * Queries on the login path pass a QueryConfig with a `name`, so each connection parses and plans them once.
 */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
  query<R extends QueryResultRow = QueryResultRow>(config: QueryConfig): Promise<{ rows: R[]; rowCount: number | null }>;
}

const pools = new Map<string, Pool>();

/** A connection string and the TLS options node-postgres needs for it. */
export interface ConnectionConfig {
  connectionString: string;
  ssl?: ConnectionOptions;
}

/**
 * How node-postgres reaches the database of a URL. `sslmode=verify-ca` (the deployed URLs, docs/architecture.md §6)
 * means TLS with the server's certificate checked against the CA in `caPem` (DATABASE_CA_CERT), and no host name
 * check: Cloud SQL's certificate names the instance, not the private IP we connect to. node-postgres reads that
 * mode only with a CA file (sslrootcert), so the mode is taken out of the URL and given as TLS options instead.
 * Any other URL is used as it is (locally and in tests: no TLS).
 */
export function connectionConfig(connectionString: string, caPem: string | undefined = process.env.DATABASE_CA_CERT): ConnectionConfig {
  if (!/[?&]sslmode=verify-ca(?:&|$)/.test(connectionString)) return { connectionString };
  const url = new URL(connectionString);
  if (!caPem?.includes('BEGIN CERTIFICATE')) throw new Error('the database URL says sslmode=verify-ca: DATABASE_CA_CERT must hold the server CA certificate (PEM)');
  url.searchParams.delete('sslmode');
  return { connectionString: url.toString(), ssl: { ca: caPem, rejectUnauthorized: true, checkServerIdentity: () => undefined } };
}

/**
 * One pool per connection string per process. Cloud Functions reuse the process between requests,
 * so the pool outlives a request; it is created on first use so that config is read at run time.
 */
export function getPool(connectionString = process.env.DATABASE_URL): Pool {
  if (!connectionString) throw new Error('DATABASE_URL is not set');
  let pool = pools.get(connectionString);
  if (!pool) {
    pool = new Pool({ ...connectionConfig(connectionString), max: Number(process.env.DATABASE_POOL_MAX ?? 5), idleTimeoutMillis: 30_000 });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    // Nor a checked-out one (a transaction's): node-postgres fails its queries and also emits `error`,
    // which the pool listens to only while the client is idle. Unheard, it is thrown out of the socket's
    // callback — into no request's domain for event handlers (packages/runtime/src/event-function.ts), so
    // functions-framework ends the instance. The transaction sees the failure through its queries, and the
    // pool drops the broken client when it is released.
    pool.on('connect', (client) => client.on('error', () => undefined));
    pools.set(connectionString, pool);
  }
  return pool;
}

export async function closePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.end()));
}

/**
 * Runs `fn` in one transaction: every multi-row write goes through here (docs/architecture.md §4.1). It
 * commits unless `fn` throws, or unless `commitIf` refuses what `fn` returned (a failed Result rolls back).
 * `begin` is the statement that opens it: a tenant transaction sends its context in the same round trip
 * (see beginAs in ./tenant).
 */
export async function withTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
  commitIf: (result: T) => boolean = () => true,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query(commitIf(result) ? 'COMMIT' : 'ROLLBACK');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Postgres unique_violation, used to turn a race on a unique key into a 409 instead of a 500. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
