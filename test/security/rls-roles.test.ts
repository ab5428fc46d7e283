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
    await expect(as(jane, victim.orgId, (c) => c.query('DELETE FROM org_audit_events WHERE org_id = $1', [victim.orgId]))).rejects.toMatchObject(refused);
    await expect(as(jane, victim.orgId, (c) => c.query(`UPDATE org_audit_events SET type = 'x' WHERE org_id = $1`, [victim.orgId]))).rejects.toMatchObject(refused);
    expect(Number((await h.db.query('SELECT count(*) AS n FROM org_audit_events WHERE org_id = $1', [victim.orgId])).rows[0].n)).toBeGreaterThan(0);
  });
});

/**
 * Issue 9 §7: the four holes an outside review found by running forged statements as the app role with
 * only the caller's context. Each must be refused by the database itself (docs/architecture.md §4.4).
 */
describe('RLS holds on its own: forged statements of the review', () => {
  const personalOrgOf = async (u: User) =>
    (await h.db.query<{ id: string }>(`SELECT id FROM organizations WHERE owner_account_id = $1 AND type = 'personal'`, [u.id])).rows[0]!.id;
  const membershipsOf = async (u: User, orgId: string) =>
    (await h.db.query('SELECT role FROM memberships WHERE org_id = $1 AND account_id = $2', [orgId, u.id])).rows;

  it('a member cannot move their own membership into another org (and become its owner there)', async () => {
    // Mallory owns her personal org; moving that owner row into the victim org would make her its owner.
    const personal = await personalOrgOf(mallory);
    await expect(
      as(mallory, personal, async (c) => {
        await c.query('UPDATE memberships SET org_id = $1 WHERE org_id = $2 AND account_id = $3', [victim.orgId, personal, mallory.id]);
        return membershipsOf(mallory, victim.orgId);
      }),
    ).rejects.toMatchObject(refused);
    // nor moved to another account, nor by an admin within their org
    await expect(
      as(ada, victim.orgId, (c) => c.query('UPDATE memberships SET account_id = $1 WHERE org_id = $2 AND account_id = $3', [mallory.id, victim.orgId, bob.id])),
    ).rejects.toMatchObject(refused);
    await expect(
      as(bob, victim.orgId, (c) => c.query(`UPDATE memberships SET created_at = now() - interval '10 years' WHERE org_id = $1 AND account_id = $2`, [victim.orgId, bob.id])),
    ).rejects.toMatchObject(refused);
  });

  describe('an invitee with a pending admin invitation', () => {
    let dora: User;
    let invitationId: string;
    beforeAll(async () => {
      dora = await signupAndLogin(h, 'dora');
      const sent = await h.invites.call(
        'POST',
        `/v1/organizations/${victim.orgId}/invites`,
        { inviteeId: dora.id, inviteeEmail: dora.email, role: 'role_admin', inviteKeys: [] },
        jane.headers,
      );
      expect(sent.status).toBe(201);
      invitationId = sent.body.id;
    });
    const joinAsAdmin = (c: Client) => c.query(`INSERT INTO memberships (org_id, account_id, role) VALUES ($1, $2, 'admin')`, [victim.orgId, dora.id]);

    it('cannot clear or replace the token of the invitation’s link', async () => {
      for (const change of ['link_token_hash = NULL', `link_token_hash = '\\x00'::bytea`]) {
        await expect(as(dora, null, (c) => c.query(`UPDATE invites SET ${change} WHERE id = $1`, [invitationId]))).rejects.toMatchObject(refused);
      }
    });

    it('cannot join while the account has not verified the invited address (issue 9 §4), whatever the statement', async () => {
      try {
        await h.db.query('UPDATE accounts SET email_verified_at = NULL WHERE id = $1', [dora.id]);
        await expect(as(dora, null, joinAsAdmin)).rejects.toMatchObject(refused);
        await expect(
          as(dora, null, async (c) => {
            await c.query(`UPDATE invites SET status = 'accepted', responded_at = now() WHERE id = $1`, [invitationId]);
            return c.query(`INSERT INTO memberships (org_id, account_id, role) VALUES ($1, $2, 'admin')`, [victim.orgId, dora.id]);
          }),
        ).rejects.toMatchObject(refused);
        expect(await membershipsOf(dora, victim.orgId)).toEqual([]);
      } finally {
        await h.db.query('UPDATE accounts SET email_verified_at = now() WHERE id = $1', [dora.id]);
      }
      // the control: the same statement passes once the address is verified
      expect(await as(dora, null, (c) => rowsTouched(c, `INSERT INTO memberships (org_id, account_id, role) VALUES ($1, $2, 'admin')`, [victim.orgId, dora.id]))).toBe(1);
    });
  });

  it("a member cannot overwrite (or drop and replace) another member's wrapped project key", async () => {
    const janesKey = async () =>
      (await h.db.query('SELECT enc_symmetric_key FROM project_keys WHERE project_id = $1 AND account_id = $2', [victim.projectId, jane.id])).rows;
    const before = await janesKey();
    expect(before).toHaveLength(1);
    await expect(
      as(bob, victim.orgId, (c) =>
        c.query('UPDATE project_keys SET enc_symmetric_key = $3 WHERE project_id = $1 AND account_id = $2', [victim.projectId, jane.id, wrappedKey()]),
      ),
    ).rejects.toMatchObject(refused);
    expect(
      await as(bob, victim.orgId, (c) => rowsTouched(c, 'DELETE FROM project_keys WHERE project_id = $1 AND account_id = $2', [victim.projectId, jane.id])),
    ).toBe(0);
    expect(await janesKey()).toEqual(before);
  });

  it('audit events carry the caller as their actor, and their own time', async () => {
    await expect(
      as(bob, victim.orgId, (c) =>
        c.query(`INSERT INTO org_audit_events (org_id, actor_id, type) VALUES ($1, $2, 'owner.transferred')`, [victim.orgId, jane.id]),
      ),
    ).rejects.toMatchObject(refused);
    await expect(
      as(bob, victim.orgId, (c) => c.query(`INSERT INTO org_audit_events (org_id, actor_id, type) VALUES ($1, NULL, 'org.renamed')`, [victim.orgId])),
    ).rejects.toMatchObject(refused);
    await expect(
      as(bob, victim.orgId, (c) =>
        c.query(`INSERT INTO org_audit_events (org_id, actor_id, type, created_at) VALUES ($1, $2, 'org.renamed', now() - interval '1 year')`, [victim.orgId, bob.id]),
      ),
    ).rejects.toMatchObject(refused);
    // an account's own log: with a session, only the session's account
    await expect(
      as(bob, null, (c) => c.query(`INSERT INTO account_audit_events (account_id, type) VALUES ($1, 'login.succeeded')`, [jane.id])),
    ).rejects.toMatchObject(refused);
    for (const sql of [`UPDATE account_audit_events SET type = 'x' WHERE account_id = $1`, 'DELETE FROM account_audit_events WHERE account_id = $1']) {
      await expect(as(jane, null, (c) => c.query(sql, [jane.id]))).rejects.toMatchObject(refused);
    }
    // the positive controls: one's own events
    expect(
      await as(bob, victim.orgId, (c) => rowsTouched(c, `INSERT INTO org_audit_events (org_id, actor_id, type) VALUES ($1, $2, 'org.renamed')`, [victim.orgId, bob.id])),
    ).toBe(1);
    expect(await as(bob, null, (c) => rowsTouched(c, `INSERT INTO account_audit_events (account_id, type) VALUES ($1, 'session.logout')`, [bob.id]))).toBe(1);
  });
});
