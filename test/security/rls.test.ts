import type { Client } from 'pg';
import { withClient } from '../support/database';
import { seedTenant, signupAndLogin, tenantTables, type Harness, type Tenant, type TenantTable, type User, startTenantHarness } from './tenant-fixtures';

/**
 * Row-Level Security as the functions' database role sees it (docs/architecture.md §4): no tenant context, no
 * rows; someone else's org in the context, none of its rows; the right context, all of them. Data is
 * seeded through the API; the app-role connection is the one the functions use (DATABASE_URL).
 */

let h: Harness;
let tables: TenantTable[];
let victim: Tenant;
let other: Tenant;
let jane: User;
let bob: User;
let eve: User;

beforeAll(async () => {
  h = await startTenantHarness();
  jane = await signupAndLogin(h, 'jane');
  bob = await signupAndLogin(h, 'bob');
  const ada = await signupAndLogin(h, 'ada');
  const carol = await signupAndLogin(h, 'carol');
  eve = await signupAndLogin(h, 'eve');
  const fred = await signupAndLogin(h, 'fred');
  const gina = await signupAndLogin(h, 'gina');
  victim = await seedTenant(h, jane, { members: { member: bob, admin: ada }, invitee: carol, name: 'Victim' });
  other = await seedTenant(h, eve, { members: { member: fred }, invitee: gina, name: 'Other' });
  tables = await tenantTables(h);
});
afterAll(async () => h?.stop());

const asApp = <T>(fn: (c: Client) => Promise<T>) => withClient(h.db.appUrl, fn);

/** Runs fn as the app role in a transaction with the given tenant context (or none), then rolls back. */
function inTransaction<T>(ctx: { accountId: string; orgId: string; email: string } | null, fn: (c: Client) => Promise<T>): Promise<T> {
  return asApp(async (c) => {
    await c.query('BEGIN');
    try {
      if (ctx) {
        await c.query(`SELECT set_config('app.account_id', $1, true), set_config('app.org_id', $2, true), set_config('app.email', $3, true)`, [
          ctx.accountId,
          ctx.orgId,
          ctx.email,
        ]);
      }
      return await fn(c);
    } finally {
      await c.query('ROLLBACK');
    }
  });
}

const count = async (c: Client, t: TenantTable, orgId?: string) =>
  Number(
    (await c.query(`SELECT count(*) AS n FROM "${t.name}"${orgId ? ` WHERE "${t.orgColumn}" = $1` : ''}`, orgId ? [orgId] : [])).rows[0].n,
  );

/** Rows an UPDATE and a DELETE would touch, each in its own savepoint so a policy error does not end the test. */
async function writable(c: Client, t: TenantTable, orgId?: string): Promise<{ updated: number; deleted: number }> {
  const where = orgId ? ` WHERE "${t.orgColumn}" = $1` : '';
  const params = orgId ? [orgId] : [];
  const attempt = async (sql: string) => {
    await c.query('SAVEPOINT w');
    try {
      return (await c.query(sql, params)).rowCount ?? 0;
    } catch (err) {
      if ((err as { code?: string }).code === '42501') return 0; // refused by a policy: nothing touched
      throw err;
    } finally {
      await c.query('ROLLBACK TO SAVEPOINT w');
    }
  };
  return {
    updated: await attempt(`UPDATE "${t.name}" SET "${t.orgColumn}" = "${t.orgColumn}"${where}`),
    deleted: await attempt(`DELETE FROM "${t.name}"${where}`),
  };
}

describe('row-level security for the app role', () => {
  it('covers the tables we expect, each holding rows of both tenants (as the superuser sees it)', async () => {
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['organizations', 'memberships', 'team_projects', 'projects', 'project_keys', 'invites', 'invite_keys', 'org_audit_events']),
    );
    for (const t of tables) {
      for (const orgId of [victim.orgId, other.orgId]) {
        const { rows } = await h.db.query(`SELECT count(*)::int AS n FROM "${t.name}" WHERE "${t.orgColumn}" = $1`, [orgId]);
        // an empty table would prove nothing below: seed the new table in tenant-fixtures.ts
        expect({ table: t.name, seeded: rows[0].n > 0 }).toEqual({ table: t.name, seeded: true });
      }
    }
  });

  it('without a tenant context: zero rows in every tenant table, and nothing to update or delete', async () => {
    await inTransaction(null, async (c) => {
      for (const t of tables) {
        expect({ table: t.name, rows: await count(c, t) }).toEqual({ table: t.name, rows: 0 });
        expect({ table: t.name, ...(await writable(c, t)) }).toEqual({ table: t.name, updated: 0, deleted: 0 });
      }
    });
    // and outside any transaction too (autocommit statements)
    await asApp(async (c) => {
      for (const t of tables) expect({ table: t.name, rows: await count(c, t) }).toEqual({ table: t.name, rows: 0 });
    });
  });

  it("with a member of another org pointing app.org_id at the victim's org: none of its rows", async () => {
    // eve owns `other`; bob is a member of `victim` only. Each aims at the org they are not in.
    for (const [who, target] of [
      [eve, victim.orgId],
      [bob, other.orgId],
    ] as const) {
      await inTransaction({ accountId: who.id, orgId: target, email: who.email }, async (c) => {
        for (const t of tables) {
          expect({ who: who.email, table: t.name, rows: await count(c, t, target) }).toEqual({ who: who.email, table: t.name, rows: 0 });
          expect({ table: t.name, ...(await writable(c, t, target)) }).toEqual({ table: t.name, updated: 0, deleted: 0 });
        }
      });
    }
  });

  it("cannot insert into another tenant's org", async () => {
    await inTransaction({ accountId: eve.id, orgId: victim.orgId, email: eve.email }, async (c) => {
      const tries = [
        [`INSERT INTO memberships (org_id, account_id, role) VALUES ($1, $2, 'owner')`, [victim.orgId, eve.id]],
        [`INSERT INTO team_projects (id, org_id, name) VALUES ('proj_intruder', $1, 'x')`, [victim.orgId]],
        [`INSERT INTO org_audit_events (org_id, actor_id, type) VALUES ($1, $2, 'org.renamed')`, [victim.orgId, eve.id]],
      ] as const;
      for (const [sql, params] of tries) {
        await c.query('SAVEPOINT i');
        await expect(c.query(sql, [...params])).rejects.toMatchObject({ code: '42501' });
        await c.query('ROLLBACK TO SAVEPOINT i');
      }
    });
  });

  it('with the right context, the rows are there (so the zeros above mean something)', async () => {
    for (const [who, tenant] of [
      [jane, victim],
      [bob, victim],
      [eve, other],
    ] as const) {
      await inTransaction({ accountId: who.id, orgId: tenant.orgId, email: who.email }, async (c) => {
        for (const t of tables) {
          const expected = Number((await h.db.query(`SELECT count(*) AS n FROM "${t.name}" WHERE "${t.orgColumn}" = $1`, [tenant.orgId])).rows[0].n);
          expect({ who: who.email, table: t.name, rows: await count(c, t, tenant.orgId) }).toEqual({ who: who.email, table: t.name, rows: expected });
        }
      });
    }
  });

  it('the app role has no BYPASSRLS, is no superuser and owns no table; every tenant table has RLS on and a policy', async () => {
    const role = await asApp(async (c) => (await c.query(`SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`)).rows[0]);
    expect(role).toEqual({ rolname: expect.any(String), rolsuper: false, rolbypassrls: false });
    const owned = await h.db.query(`SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = $1`, [role.rolname]);
    expect(owned.rows).toEqual([]);
    for (const t of tables) {
      const { rows } = await h.db.query(
        `SELECT c.relrowsecurity, (SELECT count(*)::int FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname) AS policies
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname = $1`,
        [t.name],
      );
      expect({ table: t.name, rls: rows[0].relrowsecurity, hasPolicy: rows[0].policies > 0 }).toEqual({ table: t.name, rls: true, hasPolicy: true });
    }
  });
});
