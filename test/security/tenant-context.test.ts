import { Pool } from 'pg';
import { withTenant } from '@somnus/db';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * A tenant transaction opens with BEGIN and its context in one statement, the values written as escaped
 * literals (packages/db/src/tenant.ts). Whatever the values hold — quotes, backslashes, dollar quotes,
 * statement separators — RLS must read them back exactly, and nothing of them may run as SQL.
 */

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new Pool({ connectionString: db.appUrl, max: 1 });
  // as the functions' pools do: an idle connection ended by the server is not this suite's failure
  pool.on('error', () => undefined);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const HOSTILE = [
  "o'brien@example.com",
  "x'); DROP TABLE sessions; --",
  'back\\slash\\',
  "\\'; SELECT pg_sleep(5); --",
  '$$; DROP TABLE accounts; $$',
  'ünïcødé 🙂',
  '',
];

describe('the tenant context of a transaction', () => {
  it.each(HOSTILE)('reads back %j exactly and runs nothing of it', async (value) => {
    const seen = await withTenant(pool, { accountId: value, email: value, orgId: value }, async (tx) => {
      const { rows } = await tx.query(`SELECT current_setting('app.account_id') AS a, current_setting('app.email') AS e, current_setting('app.org_id') AS o`);
      return rows[0];
    });
    expect(seen).toEqual({ a: value, e: value, o: value });
    const tables = await pool.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('sessions', 'accounts')`);
    expect(tables.rows[0].n).toBe(2);
  });

  it('lasts only for its transaction: the pooled connection carries no context into the next one', async () => {
    await withTenant(pool, { accountId: 'acct_someone', email: 'someone@example.com', orgId: 'org_somewhere' }, async () => undefined);
    const { rows } = await pool.query(`SELECT current_setting('app.account_id', true) AS a, current_setting('app.org_id', true) AS o`);
    expect(rows[0].a ?? '').toBe('');
    expect(rows[0].o ?? '').toBe('');
  });
});
