import { Client } from 'pg';
import { login } from '../support/accounts';
import { seedTenant, signupAndLogin, type Harness, type Tenant, type User, startTenantHarness } from './tenant-fixtures';

/**
 * The router checks membership and role in its own transaction, before the body is read; the use case
 * runs in another. A role change committed in between must not let the request act on the old role: the
 * use case's transaction re-reads the membership under the org's advisory lock (orgTransaction).
 *
 * The window is held open deterministically: a superuser transaction takes the org's exclusive lock (as a
 * role change does), the request passes the router's check and waits on the lock, the admin is demoted or
 * removed, the lock is released, and the request must then be refused with nothing written.
 */

let h: Harness;
let tenant: Tenant;
let owner: User;
let admin: User;

beforeAll(async () => {
  h = await startTenantHarness();
  [owner, admin] = await Promise.all([signupAndLogin(h, 'owner'), signupAndLogin(h, 'admin')]);
  const invitee = await signupAndLogin(h, 'invitee');
  tenant = await seedTenant(h, owner, { members: { admin }, invitee, name: 'Race' });
});
afterAll(async () => h?.stop());

/** Holds the org's exclusive advisory lock, runs `change` inside that transaction, commits on release(). */
async function holdOrgLock(orgId: string) {
  const c = new Client({ connectionString: h.db.adminUrl });
  await c.connect();
  await c.query('BEGIN');
  await c.query(`SELECT pg_advisory_xact_lock(hashtextextended('org:' || $1, 0))`, [orgId]);
  return {
    query: (sql: string, params: unknown[]) => c.query(sql, params),
    release: async () => {
      await c.query('COMMIT');
      await c.end();
    },
  };
}

/** Waits until some backend is blocked on an advisory lock: the request is inside its use case. */
async function waitForLockWaiter(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await h.db.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
    if (rows[0].n > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the request never reached the org lock');
}

const base = () => `/v1/organizations/${tenant.orgId}`;

describe('an admin whose role changes while the request is in flight', () => {
  afterEach(async () => {
    await h.db.query(`UPDATE memberships SET role = 'admin' WHERE org_id = $1 AND account_id = $2`, [tenant.orgId, admin.id]);
  });

  it('demoted to member: creating a team project is refused with 403 and creates nothing', async () => {
    const lock = await holdOrgLock(tenant.orgId);
    const before = (await h.db.query('SELECT count(*)::int AS n FROM team_projects WHERE org_id = $1', [tenant.orgId])).rows[0].n;
    const pending = h.invites.call('POST', `${base()}/team-projects`, { name: 'Made by a demoted admin' }, admin.headers);
    await waitForLockWaiter();
    await lock.query(`UPDATE memberships SET role = 'member' WHERE org_id = $1 AND account_id = $2`, [tenant.orgId, admin.id]);
    await lock.release();
    const res = await pending;
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 403, error: 'FORBIDDEN' });
    expect((await h.db.query('SELECT count(*)::int AS n FROM team_projects WHERE org_id = $1', [tenant.orgId])).rows[0].n).toBe(before);
  });

  it('demoted to member: changing the storage rule is refused, and no audit event claims it changed', async () => {
    const lock = await holdOrgLock(tenant.orgId);
    const pending = h.invites.call('PUT', `${base()}/storage-rule`, { storage: 'local_only' }, admin.headers);
    await waitForLockWaiter();
    await lock.query(`UPDATE memberships SET role = 'member' WHERE org_id = $1 AND account_id = $2`, [tenant.orgId, admin.id]);
    await lock.release();
    expect((await pending).status).toBe(403);
    const events = await h.db.query(`SELECT count(*)::int AS n FROM org_audit_events WHERE org_id = $1 AND type = 'storage_rule.changed' AND actor_id = $2`, [tenant.orgId, admin.id]);
    expect(events.rows[0].n).toBe(0);
  });

  it('removed from the org: renaming it answers 404, not a 500, and renames nothing', async () => {
    const lock = await holdOrgLock(tenant.orgId);
    const pending = h.invites.call('PATCH', base(), { name: 'Renamed by a removed admin' }, admin.headers);
    await waitForLockWaiter();
    await lock.query(`DELETE FROM memberships WHERE org_id = $1 AND account_id = $2`, [tenant.orgId, admin.id]);
    await lock.release();
    const res = await pending;
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 404, error: 'NOT_FOUND' });
    expect((await h.db.query('SELECT name FROM organizations WHERE id = $1', [tenant.orgId])).rows[0].name).toBe('Race');
    await h.db.query(`INSERT INTO memberships (org_id, account_id, role) VALUES ($1, $2, 'admin')`, [tenant.orgId, admin.id]);
  });

  it('logged out meanwhile: the request is refused with 401 and renames nothing', async () => {
    const session = await login(h.auth, admin.email, 'pass');
    const headers = { 'X-Session-Id': session.token! };
    const lock = await holdOrgLock(tenant.orgId);
    const pending = h.invites.call('PATCH', base(), { name: 'Renamed after logout' }, headers);
    await waitForLockWaiter();
    // what logout does, to exactly this session
    await lock.query(`UPDATE sessions SET revoked_at = now() WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, [session.token]);
    await lock.release();
    const res = await pending;
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 401, error: 'UNAUTHORIZED' });
    expect((await h.db.query('SELECT name FROM organizations WHERE id = $1', [tenant.orgId])).rows[0].name).toBe('Race');
  });

  it('a role change waits for requests already in the org, so they finish on the role they were checked with', async () => {
    // the request holds the shared lock while it works; the owner's demotion of the admin takes the exclusive one
    const rename = await h.invites.call('PATCH', base(), { name: 'Race' }, admin.headers);
    expect(rename.status).toBe(200);
    const demote = await h.invites.call('PUT', `${base()}/members/${admin.id}/roles`, { roles: ['role_member'] }, owner.headers);
    expect(demote.status).toBe(200);
    expect((await h.invites.call('PATCH', base(), { name: 'Too late' }, admin.headers)).status).toBe(403);
  });
});
