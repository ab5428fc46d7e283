import type { Client } from 'pg';
import { withClient } from '../support/database';
import { randomId, seedTenant, signupAndLogin, wrappedKey, type Harness, type Tenant, type User, startTenantHarness } from './tenant-fixtures';

/**
 * Row-Level Security enforces roles, not only membership: even a use case with a bug (or an injected
 * statement) running as the app role cannot let a member crown themselves, an admin touch the owner,
 * an outsider forge an invitation, or a key row point into another tenant. Each case runs as the app
 * role under a real tenant context and is rolled back.
 */
let h: Harness;
let victim: Tenant;
let other: Tenant;
let jane: User; // owner
let ada: User; // admin
let bob: User; // member
let carol: User; // invited (pending, as member)
let mallory: User; // outsider

beforeAll(async () => {
  h = await startTenantHarness();
  jane = await signupAndLogin(h, 'jane');
  ada = await signupAndLogin(h, 'ada');
  bob = await signupAndLogin(h, 'bob');
  carol = await signupAndLogin(h, 'carol');
  mallory = await signupAndLogin(h, 'mallory');
  const eve = await signupAndLogin(h, 'eve');
  const gina = await signupAndLogin(h, 'gina');
  victim = await seedTenant(h, jane, { members: { admin: ada, member: bob }, invitee: carol, name: 'Victim' });
  other = await seedTenant(h, eve, { members: {}, invitee: gina, name: 'Other' });
});
afterAll(async () => h?.stop());

/** Runs `fn` as somnus_app with the caller's context, inside a transaction that is rolled back. */
function as<T>(user: User, orgId: string | null, fn: (c: Client) => Promise<T>): Promise<T> {
  return withClient(h.db.appUrl, async (c) => {
    await c.query('BEGIN');
    try {
      await c.query(`SELECT set_config('app.account_id', $1, true), set_config('app.email', $2, true), set_config('app.org_id', $3, true)`, [
        user.id,
        user.email.toLowerCase(),
        orgId ?? '',
      ]);
      return await fn(c);
    } finally {
      await c.query('ROLLBACK');
    }
  });
}

const refused = { code: '42501' }; // insufficient_privilege: a policy or a guard said no
const rowsTouched = async (c: Client, sql: string, values: unknown[]) => (await c.query(sql, values)).rowCount;

describe('memberships', () => {
  it('a member cannot make themselves owner or admin', async () => {
    for (const role of ['owner', 'admin']) {
      await expect(
        as(bob, victim.orgId, (c) => c.query('UPDATE memberships SET role = $3 WHERE org_id = $1 AND account_id = $2', [victim.orgId, bob.id, role])),
      ).rejects.toMatchObject(refused);
    }
  });

  it('an admin cannot demote or remove the owner, nor crown anyone', async () => {
    await expect(
      as(ada, victim.orgId, (c) => c.query(`UPDATE memberships SET role = 'member' WHERE org_id = $1 AND account_id = $2`, [victim.orgId, jane.id])),
    ).rejects.toMatchObject(refused);
    await expect(
      as(ada, victim.orgId, (c) => c.query(`UPDATE memberships SET role = 'owner' WHERE org_id = $1 AND account_id = $2`, [victim.orgId, bob.id])),
    ).rejects.toMatchObject(refused);
    expect(await as(ada, victim.orgId, (c) => rowsTouched(c, 'DELETE FROM memberships WHERE org_id = $1 AND account_id = $2', [victim.orgId, jane.id]))).toBe(0);
    // the positive control: an admin may change a member's role
    expect(
      await as(ada, victim.orgId, (c) => rowsTouched(c, `UPDATE memberships SET role = 'admin' WHERE org_id = $1 AND account_id = $2`, [victim.orgId, bob.id])),
    ).toBe(1);
  });

  it('an invitee joins only with the invited role, an outsider not at all', async () => {
    await expect(
      as(carol, null, (c) => c.query(`INSERT INTO memberships (org_id, account_id, role) VALUES ($1, $2, 'owner')`, [victim.orgId, carol.id])),
    ).rejects.toMatchObject(refused);
    await expect(
      as(carol, null, (c) => c.query(`INSERT INTO memberships (org_id, account_id, role) VALUES ($1, $2, 'admin')`, [victim.orgId, carol.id])),
    ).rejects.toMatchObject(refused);
    await expect(
      as(mallory, null, (c) => c.query(`INSERT INTO memberships (org_id, account_id, role) VALUES ($1, $2, 'member')`, [victim.orgId, mallory.id])),
    ).rejects.toMatchObject(refused);
    expect(
      await as(carol, null, (c) => rowsTouched(c, `INSERT INTO memberships (org_id, account_id, role) VALUES ($1, $2, 'member')`, [victim.orgId, carol.id])),
    ).toBe(1);
  });
});

describe('organizations', () => {
  it('a member cannot rename it or take it over; an admin cannot take it over', async () => {
    expect(await as(bob, victim.orgId, (c) => rowsTouched(c, 'UPDATE organizations SET owner_account_id = $2 WHERE id = $1', [victim.orgId, bob.id]))).toBe(0);
    expect(await as(bob, victim.orgId, (c) => rowsTouched(c, `UPDATE organizations SET name = 'x' WHERE id = $1`, [victim.orgId]))).toBe(0);
    await expect(
      as(ada, victim.orgId, (c) => c.query('UPDATE organizations SET owner_account_id = $2 WHERE id = $1', [victim.orgId, ada.id])),
    ).rejects.toMatchObject(refused);
    expect(await as(ada, victim.orgId, (c) => rowsTouched(c, 'DELETE FROM organizations WHERE id = $1', [victim.orgId]))).toBe(0);
  });
});

describe('invitations', () => {
  it('an outsider cannot forge one, a member cannot send one', async () => {
    const forge = (c: Client, by: User) =>
      c.query(
        `INSERT INTO invites (id, org_id, inviter_account_id, invitee_email, role, expires_at) VALUES ($1, $2, $3, $4, 'admin', now() + interval '1 day')`,
        [randomId('inv'), victim.orgId, by.id, by.email.toLowerCase()],
      );
    await expect(as(mallory, victim.orgId, (c) => forge(c, mallory))).rejects.toMatchObject(refused);
    await expect(as(bob, victim.orgId, (c) => forge(c, bob))).rejects.toMatchObject(refused);
  });

  it('the invitee may only answer: not raise the role, move the org or extend the expiry', async () => {
    for (const change of [`role = 'admin'`, `expires_at = now() + interval '1 year'`, `org_id = '${other.orgId}'`]) {
      await expect(as(carol, null, (c) => c.query(`UPDATE invites SET ${change} WHERE id = $1`, [victim.invitationId]))).rejects.toMatchObject(refused);
    }
    expect(await as(carol, null, (c) => rowsTouched(c, `UPDATE invites SET status = 'declined' WHERE id = $1`, [victim.invitationId]))).toBe(1);
  });
});

describe('wrapped keys and the audit log', () => {
  it('no key row can be written into another tenant, or point at another tenant’s project', async () => {
    await expect(
      as(mallory, victim.orgId, (c) =>
        c.query('INSERT INTO project_keys (org_id, project_id, account_id, enc_symmetric_key) VALUES ($1, $2, $3, $4)', [victim.orgId, victim.projectId, mallory.id, wrappedKey()]),
      ),
    ).rejects.toMatchObject(refused);
    // Bob, a member of the victim org, files a key under his org for the other org's project
    await expect(
      as(bob, victim.orgId, (c) =>
        c.query('INSERT INTO project_keys (org_id, project_id, account_id, enc_symmetric_key) VALUES ($1, $2, $3, $4)', [victim.orgId, other.projectId, bob.id, wrappedKey()]),
      ),
    ).rejects.toMatchObject({ code: '23503' });
  });

  it('the audit log is append-only for the app role', async () => {
    expect(await as(jane, victim.orgId, (c) => rowsTouched(c, 'DELETE FROM org_audit_events WHERE org_id = $1', [victim.orgId]))).toBe(0);
    expect(await as(jane, victim.orgId, (c) => rowsTouched(c, `UPDATE org_audit_events SET type = 'x' WHERE org_id = $1`, [victim.orgId]))).toBe(0);
    expect(Number((await h.db.query('SELECT count(*) AS n FROM org_audit_events WHERE org_id = $1', [victim.orgId])).rows[0].n)).toBeGreaterThan(0);
  });
});
