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
