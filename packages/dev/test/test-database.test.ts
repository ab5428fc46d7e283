import { createTestDatabase, withClient, type TestDatabase } from '../../../test/support/database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

it('is migrated: the foundation tables exist and the migration is recorded', async () => {
  const tables = await withClient(db.migratorUrl, async (c) =>
    (await c.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map(
      (r) => r.tablename,
    ),
  );
  expect(tables).toEqual(expect.arrayContaining(['accounts', 'sessions', 'login_starters_used', 'pgmigrations']));
  const applied = await withClient(db.migratorUrl, async (c) => (await c.query<{ name: string }>('SELECT name FROM pgmigrations')).rows);
  expect(applied.map((r) => r.name)).toContain('1764100000000_foundation');
});

it('the app role connects, can use the tables, but cannot create tables', async () => {
  await withClient(db.appUrl, async (c) => {
    expect((await c.query('SELECT current_user AS u')).rows[0].u).toBe('somnus_app');
    expect((await c.query('SELECT count(*)::int AS n FROM accounts')).rows[0].n).toBe(0);
    await expect(c.query('CREATE TABLE app_made (id int)')).rejects.toMatchObject({ code: '42501' });
    await expect(c.query('CREATE TABLE public.app_made (id int)')).rejects.toMatchObject({ code: '42501' });
  });
});

it('the app role has no BYPASSRLS, is no superuser and owns no relation', async () => {
  await withClient(db.adminUrl, async (c) => {
    const role = (
      await c.query<{ rolsuper: boolean; rolbypassrls: boolean; rolcreaterole: boolean; rolcreatedb: boolean }>(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = 'somnus_app'",
      )
    ).rows;
    expect(role).toEqual([{ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false }]);
    const owned = await c.query(
      "SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = 'somnus_app'",
    );
    expect(owned.rows).toEqual([]);
    const owners = await c.query<{ owner: string }>(
      `SELECT DISTINCT r.rolname AS owner FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`,
    );
    expect(owners.rows).toEqual([{ owner: 'somnus_migrator' }]);
    const dbOwner = await c.query<{ owner: string }>(
      'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()',
    );
    expect(dbOwner.rows).toEqual([{ owner: 'somnus_migrator' }]);
  });
});

it('databases are independent, and drop() removes one even with open connections', async () => {
  const other = await createTestDatabase();
  expect(other.name).not.toBe(db.name);
  await withClient(other.migratorUrl, (c) =>
    c.query(
      `INSERT INTO accounts (id, email, srp_profile, salt_key, salt_auth, salt_enc, verifier, public_key, enc_private_key, enc_symmetric_key)
       VALUES ('acct_1', 'a@example.com', 'insomnia', 's', 's', 's', 'v', 'p', 'e', 'e')`,
    ),
  );
  expect(await withClient(db.appUrl, async (c) => (await c.query('SELECT count(*)::int AS n FROM accounts')).rows[0].n)).toBe(0);

  // a connection still open while drop() runs: it is terminated, not waited for
  await withClient(other.appUrl, async (lingering) => {
    await other.drop();
    await expect(lingering.query('SELECT 1')).rejects.toThrow();
  });
  const left = await withClient(db.adminUrl, (c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [other.name]));
  expect(left.rowCount).toBe(0);
  await other.drop(); // idempotent
});
