import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { fail, failAndKeep, ok, transaction } from '../src';

/** A use case's Result settles its transaction: a refused request changes nothing, a counted attempt stays. */

let db: TestDatabase;
let pool: Pool;
const count = async () => Number((await pool.query('SELECT count(*) AS n FROM attempts')).rows[0].n);
const insert = (tx: { query: Pool['query'] }) => tx.query('INSERT INTO attempts DEFAULT VALUES');

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new Pool({ connectionString: db.migratorUrl, max: 2 });
  await pool.query('CREATE TABLE attempts (id serial PRIMARY KEY)');
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});
beforeEach(() => pool.query('TRUNCATE attempts'));

describe('transaction', () => {
  it('commits the writes of a success', async () => {
    const r = await transaction(pool, async (tx) => (await insert(tx), ok('done')));
    expect(r).toEqual({ ok: true, value: 'done' });
    expect(await count()).toBe(1);
  });

  it('rolls back the writes of a failure', async () => {
    const r = await transaction(pool, async (tx) => (await insert(tx), fail('VALIDATION_ERROR', 'no')));
    expect(r).toMatchObject({ ok: false, error: 'VALIDATION_ERROR' });
    expect(await count()).toBe(0);
  });

  it('keeps the writes of a failure that asks for it (a counted wrong attempt)', async () => {
    const r = await transaction(pool, async (tx) => (await insert(tx), failAndKeep('INVALID_CODE', 'wrong')));
    expect(r).toMatchObject({ ok: false, error: 'INVALID_CODE' });
    expect(await count()).toBe(1);
  });

  it('rolls back and rethrows when the use case throws (a bug, not a failure)', async () => {
    await expect(transaction(pool, async (tx) => (await insert(tx), Promise.reject(new Error('bug'))))).rejects.toThrow('bug');
    expect(await count()).toBe(0);
  });

  it('sets the tenant context for the transaction only', async () => {
    const seen = await transaction(
      pool,
      async (tx) => ok((await tx.query(`SELECT current_setting('app.account_id', true) AS a, current_setting('app.org_id', true) AS o`)).rows[0]),
      { accountId: 'acct_x', orgId: 'org_y' },
    );
    expect(seen).toEqual({ ok: true, value: { a: 'acct_x', o: 'org_y' } });
    const after = await pool.query(`SELECT coalesce(current_setting('app.account_id', true), '') AS a`);
    expect(after.rows[0].a).toBe('');
  });
});

describe('a connection lost in the middle of a transaction', () => {
  /**
   * Event handlers run outside functions-framework's per-request domain (event-function.ts), where an
   * `error` event nobody listens to is thrown out of the socket's callback and ends the instance, with the
   * deliveries it was serving. node-postgres emits one on a checked-out client whose connection drops (a
   * failover, a terminated backend): the pool's clients must listen, and the transaction must just fail.
   */
  it('fails the transaction, and emits no error event nobody listens to', async () => {
    const { closePools, getPool } = await import('@somnus/db');
    const shared = getPool(db.migratorUrl);
    const unheard: unknown[] = [];
    const onUncaught = (err: unknown) => void unheard.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const attempt = transaction(shared, async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // the connection drops while the transaction waits for something else
        await pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await new Promise((r) => setTimeout(r, 200));
        await insert(tx);
        return ok('never');
      });
      await expect(attempt).rejects.toThrow();
      expect(unheard).toEqual([]);
      // the pool let the broken client go and serves the next statement on a new connection
      expect((await shared.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await closePools();
    }
  });
});
