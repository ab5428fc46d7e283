import { randomBytes } from 'node:crypto';
import { FINGERPRINT_PATTERN, PERMISSIONS, ROLE_PERMISSIONS, ROLES, type Role } from '@somnus/models';
import { resetConfig } from '@somnus/runtime';
import { login, newAccount, signupVerified } from '../../../test/support/accounts';
import { startFunctions } from '../../../test/support/function-server';
import { createProjectOverGraphql } from '../../../test/support/graphql-projects';

/** Functional tests of the org endpoints of docs/protocol.md §6 (everything but invites and key sharing). */

let h: Awaited<ReturnType<typeof startFunctions>>;

beforeAll(async () => {
  h = await startFunctions('auth', 'keys', 'invites', 'sync');
});
afterAll(async () => h?.stop());

interface User {
  id: string;
  email: string;
  headers: Record<string, string>;
}

let seq = 0;
async function user(name: string): Promise<User> {
  const email = `${name}-${++seq}@orgs.example.com`;
  const account = await newAccount(email, 'pass');
  const id = await signupVerified(h.auth, h.smtp, account);
  const session = await login(h.auth, email, 'pass');
  return { id, email, headers: { 'X-Session-Id': session.token! } };
}

/** Who created each team org here: the one who invites members into it. */
const ownerOf = new Map<string, User>();

/** Puts an account into an org with a role through the real flow: the owner invites, the account accepts. */
async function addMember(orgId: string, u: User, role: Exclude<Role, 'owner'>): Promise<void> {
  const invite = await send(ownerOf.get(orgId)!, 'POST', `/v1/organizations/${orgId}/invites`, { inviteeEmail: u.email, role: `role_${role}` });
  expect(invite.status).toBe(201);
  const accepted = await send(u, 'POST', `/v1/invites/${invite.body.id}/accept`);
  expect(accepted.status).toBe(200);
  expect(accepted.body).toMatchObject({ organizationId: orgId, role });
}

const get = (u: User | null, path: string) => h.invites.get(path, u?.headers ?? {});
const send = (u: User | null, method: string, path: string, body?: unknown) => h.invites.call(method, path, body ?? {}, u?.headers ?? {});

async function teamOrg(owner: User, name = 'Acme'): Promise<string> {
  const res = await send(owner, 'POST', '/v1/organizations', { name });
  expect(res.status).toBe(201);
  ownerOf.set(res.body.id, owner);
  return res.body.id;
}

async function personalOrgOf(u: User): Promise<string> {
  const { rows } = await h.db.query(`SELECT id FROM organizations WHERE owner_account_id = $1 AND type = 'personal'`, [u.id]);
  return rows[0].id;
}

/** A row-level fingerprint of the org's data, to prove that a refused request changed nothing. */
async function orgState(orgId: string) {
  const q = async (sql: string) => (await h.db.query(sql, [orgId])).rows;
  return {
    org: await q('SELECT * FROM organizations WHERE id = $1'),
    members: await q('SELECT * FROM memberships WHERE org_id = $1 ORDER BY account_id'),
    projects: await q('SELECT * FROM team_projects WHERE org_id = $1 ORDER BY id'),
    events: await q('SELECT * FROM org_audit_events WHERE org_id = $1 ORDER BY id'),
  };
}

function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect({ status: res.status, error: res.body?.error }).toEqual({ status, error: code });
  expect(typeof res.body.message).toBe('string');
}

describe('personal organization', () => {
  it('exists right after signup, owned by the new account, with a default team project', async () => {
    const jane = await user('jane');
    const list = await get(jane, '/v1/organizations');
    expect(list.status).toBe(200);
    expect(list.contentType).toBe('application/json');
    expect(list.body).toMatchObject({ start: 0, length: 1, total: 1, next: '' });
    const [org] = list.body.organizations;
    expect(org).toEqual({
      id: expect.stringMatching(/^org_[0-9a-f]{32}$/),
      name: expect.any(String),
      display_name: expect.any(String),
      branding: { logo_url: expect.any(String) },
      metadata: { organizationType: 'personal', ownerAccountId: jane.id },
    });
    expect((await get(jane, `/v1/organizations/${org.id}`)).body).toEqual(org);
    const projects = await get(jane, `/v1/organizations/${org.id}/team-projects`);
    expect(projects.body.data).toEqual([{ id: `proj_${org.id}`, name: expect.any(String) }]);
    const roles = await get(jane, `/v1/organizations/${org.id}/members/${jane.id}/roles`);
    expect(roles.body).toMatchObject({ name: 'owner' });
  });

  it('cannot be deleted, left, or handed over', async () => {
    const jane = await user('jane');
    const other = await user('other');
    const orgId = await personalOrgOf(jane);
    const before = await orgState(orgId);
    expectError(await send(jane, 'DELETE', `/v1/organizations/${orgId}`), 403, 'FORBIDDEN');
    expectError(await send(jane, 'POST', `/v1/organizations/${orgId}/leave`), 403, 'FORBIDDEN');
    expectError(await send(jane, 'POST', `/v1/organizations/${orgId}/transfer-ownership`, { accountId: other.id }), 403, 'FORBIDDEN');
    expect(await orgState(orgId)).toEqual(before);
  });
});

describe('team organizations', () => {
  it('creates a team org with the caller as owner; lists personal first, paginated', async () => {
    const jane = await user('jane');
    const created = await send(jane, 'POST', '/v1/organizations', { name: '  Acme Inc  ' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^org_[0-9a-f]{32}$/),
      name: 'Acme Inc',
      display_name: 'Acme Inc',
      branding: { logo_url: expect.any(String) },
      metadata: { organizationType: 'team', ownerAccountId: jane.id },
    });
    const orgId = created.body.id;
    const { rows } = await h.db.query('SELECT role FROM memberships WHERE org_id = $1 AND account_id = $2', [orgId, jane.id]);
    expect(rows).toEqual([{ role: 'owner' }]);
    expect((await get(jane, `/v1/organizations/${orgId}/team-projects`)).body.data).toEqual([{ id: `proj_${orgId}`, name: expect.any(String) }]);

    await teamOrg(jane, 'Second');
    const all = await get(jane, '/v1/organizations');
    expect(all.body.organizations.map((o: any) => o.metadata.organizationType)).toEqual(['personal', 'team', 'team']);
    expect(all.body).toMatchObject({ total: 3, length: 3, next: '' });
    const page0 = await get(jane, '/v1/organizations?per_page=2&page=0');
    expect(page0.body).toMatchObject({ start: 0, limit: 2, length: 2, total: 3, next: 'page=1&per_page=2' });
    const page1 = await get(jane, '/v1/organizations?per_page=2&page=1');
    expect(page1.body).toMatchObject({ start: 2, limit: 2, length: 1, total: 3, next: '' });
    expect(page1.body.organizations[0].id).toBe(all.body.organizations[2].id);
    expectError(await get(jane, '/v1/organizations?per_page=0'), 400, 'VALIDATION_ERROR');
  });

  it('refuses an invalid name and creates nothing', async () => {
    const jane = await user('jane');
    const count = async () => Number((await h.db.query('SELECT count(*) AS n FROM organizations')).rows[0].n);
    const before = await count();
    for (const body of [{}, { name: '' }, { name: '   ' }, { name: 'x'.repeat(101) }, { name: 42 }, []]) {
      expectError(await send(jane, 'POST', '/v1/organizations', body), 400, 'VALIDATION_ERROR');
    }
    expect(await count()).toBe(before);
    expectError(await h.invites.post('/v1/organizations', { name: 'No session' }), 401, 'UNAUTHORIZED');
    expect(await count()).toBe(before);
  });

  it('renames for owners and admins only; a bad name changes nothing', async () => {
    const jane = await user('jane');
    const ada = await user('ada');
    const mo = await user('mo');
    const orgId = await teamOrg(jane);
    await addMember(orgId, ada, 'admin');
    await addMember(orgId, mo, 'member');
    const renamed = await send(ada, 'PATCH', `/v1/organizations/${orgId}`, { name: 'Renamed' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: orgId, name: 'Renamed', display_name: 'Renamed' });
    const before = await orgState(orgId);
    expectError(await send(mo, 'PATCH', `/v1/organizations/${orgId}`, { name: 'Mine' }), 403, 'FORBIDDEN');
    expectError(await send(jane, 'PATCH', `/v1/organizations/${orgId}`, { name: '' }), 400, 'VALIDATION_ERROR');
    expect(await orgState(orgId)).toEqual(before);
    expect((await get(mo, `/v1/organizations/${orgId}`)).body.name).toBe('Renamed');
  });

  it('deletes for the owner only, with its team projects, projects, keys, invites, memberships and events', async () => {
    const jane = await user('jane');
    const ada = await user('ada');
    const orgId = await teamOrg(jane);
    await addMember(orgId, ada, 'admin');
    expect((await send(jane, 'POST', `/v1/organizations/${orgId}/team-projects`, { name: 'Extra' })).status).toBe(201);
    // a VCS project with its key wrapped per member, and a pending invite carrying one: every tenant table has rows
    const wrapped = () => randomBytes(256).toString('hex');
    const { id: prj } = await createProjectOverGraphql(h.sync, jane.headers, {
      name: 'P',
      teamId: orgId,
      teamKeys: [jane, ada].map((m) => ({ accountId: m.id, encSymmetricKey: wrapped() })),
    });
    const carol = await user('carol');
    const invite = await send(jane, 'POST', `/v1/organizations/${orgId}/invites`, {
      inviteeId: carol.id,
      inviteeEmail: carol.email,
      inviteKeys: [{ projectId: prj, encSymmetricKey: wrapped() }],
    });
    expect(invite.status).toBe(201);
    const TABLES = ['organizations', 'memberships', 'team_projects', 'projects', 'project_keys', 'invites', 'invite_keys', 'org_audit_events'];
    const counts = async () => {
      const out: Record<string, number> = {};
      for (const table of TABLES) {
        const column = table === 'organizations' ? 'id' : 'org_id';
        out[table] = Number((await h.db.query(`SELECT count(*) AS n FROM ${table} WHERE ${column} = $1`, [orgId])).rows[0].n);
      }
      return out;
    };
    expect(Object.values(await counts()).every((n) => n > 0)).toBe(true);

    const before = await orgState(orgId);
    expectError(await send(ada, 'DELETE', `/v1/organizations/${orgId}`), 403, 'FORBIDDEN');
    expect(await orgState(orgId)).toEqual(before);

    const del = await send(jane, 'DELETE', `/v1/organizations/${orgId}`);
    expect(del.status).toBe(200);
    expect(await counts()).toEqual(Object.fromEntries(TABLES.map((t) => [t, 0])));
    expectError(await get(jane, `/v1/organizations/${orgId}`), 404, 'NOT_FOUND');
    expectError(await send(jane, 'DELETE', `/v1/organizations/${orgId}`), 404, 'NOT_FOUND');
    // the members' accounts and personal orgs are untouched
    expect((await get(ada, '/v1/organizations')).body.total).toBe(1);
  });

  it('answers 404 for an org the caller is not in, the same as for one that does not exist', async () => {
    const jane = await user('jane');
    const carol = await user('carol');
    const orgId = await teamOrg(jane);
    const theirs = await get(carol, `/v1/organizations/${orgId}`);
    const nobody = await get(carol, `/v1/organizations/org_${'0'.repeat(32)}`);
    expectError(theirs, 404, 'NOT_FOUND');
    expect(nobody.body).toEqual(theirs.body);
    expectError(await get(carol, '/v1/organizations/not-an-id'), 404, 'NOT_FOUND');
  });
});

describe('roles and members', () => {
  it('lists the three roles', async () => {
    const jane = await user('jane');
    const res = await get(jane, '/v1/organizations/roles');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(ROLES.map((name) => ({ id: `role_${name}`, name, description: expect.any(String) })));
    expectError(await h.invites.get('/v1/organizations/roles'), 401, 'UNAUTHORIZED');
  });

  it('lists members with pagination and an email filter', async () => {
    const jane = await user('jane');
    const ada = await user('ada');
    const mo = await user('mo');
    const orgId = await teamOrg(jane);
    await addMember(orgId, ada, 'admin');
    await addMember(orgId, mo, 'member');

    const all = await get(mo, `/v1/organizations/${orgId}/members`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 3, length: 3, start: 0, next: '' });
    expect(all.body.members.map((m: any) => [m.user_id, m.email, m.role_name])).toEqual([
      [jane.id, jane.email, 'owner'],
      [ada.id, ada.email, 'admin'],
      [mo.id, mo.email, 'member'],
    ]);
    expect(all.body.members[0]).toEqual({
      user_id: jane.id,
      picture: expect.any(String),
      name: 'Test User',
      email: jane.email,
      role_name: 'owner',
      created: expect.any(String),
      lacks_keys: false,
      fingerprint: expect.stringMatching(FINGERPRINT_PATTERN),
      keyStatus: 'approved',
    });

    const p0 = await get(jane, `/v1/organizations/${orgId}/members?per_page=2&page=0`);
    expect(p0.body).toMatchObject({ start: 0, limit: 2, length: 2, total: 3, next: 'page=1&per_page=2' });
    const p1 = await get(jane, `/v1/organizations/${orgId}/members?per_page=2&page=1`);
    expect(p1.body).toMatchObject({ start: 2, limit: 2, length: 1, total: 3, next: '' });
    expect(p1.body.members.map((m: any) => m.user_id)).toEqual([mo.id]);

    const byEmail = await get(jane, `/v1/organizations/${orgId}/members?email=${encodeURIComponent(ada.email.toUpperCase())}`);
    expect(byEmail.body.members.map((m: any) => m.user_id)).toEqual([ada.id]);
    expect(byEmail.body.total).toBe(1);
    const outsider = await user('outsider');
    const none = await get(jane, `/v1/organizations/${orgId}/members?email=${encodeURIComponent(outsider.email)}`);
    expect(none.body).toMatchObject({ members: [], total: 0, length: 0 });
    expectError(await get(jane, `/v1/organizations/${orgId}/members?per_page=1000`), 400, 'VALIDATION_ERROR');
  });

  it('reads and changes roles; the owner is never demoted, only transferred', async () => {
    const jane = await user('jane');
    const ada = await user('ada');
    const mo = await user('mo');
    const orgId = await teamOrg(jane);
    await addMember(orgId, ada, 'admin');
    await addMember(orgId, mo, 'member');

    expect((await get(mo, `/v1/organizations/${orgId}/members/${ada.id}/roles`)).body).toEqual({
      roleId: 'role_admin',
      name: 'admin',
      description: expect.any(String),
    });
    const promote = await send(ada, 'PUT', `/v1/organizations/${orgId}/members/${mo.id}/roles`, { roles: ['role_admin'] });
    expect(promote.status).toBe(200);
    expect(promote.body).toMatchObject({ roleId: 'role_admin', name: 'admin' });
    const demote = await send(jane, 'PUT', `/v1/organizations/${orgId}/members/${mo.id}/roles`, { roles: ['member'] });
    expect(demote.body).toMatchObject({ name: 'member' });
    const { rows: events } = await h.db.query(`SELECT details FROM org_audit_events WHERE org_id = $1 AND type = 'member.role_changed' ORDER BY id`, [orgId]);
    expect(events.map((e: any) => e.details)).toEqual([{ from: 'member', to: 'admin' }, { from: 'admin', to: 'member' }]);

    const before = await orgState(orgId);
    const refusals: Array<[User, string, unknown, number, string]> = [
      [ada, jane.id, { roles: ['role_member'] }, 403, 'FORBIDDEN'], // the owner's role cannot change
      [jane, jane.id, { roles: ['role_admin'] }, 403, 'FORBIDDEN'], // not even by the owner
      [jane, mo.id, { roles: ['role_owner'] }, 403, 'FORBIDDEN'], // ownership moves only by transfer
      [mo, ada.id, { roles: ['role_member'] }, 403, 'FORBIDDEN'], // members change no roles
      [jane, mo.id, { roles: ['role_superuser'] }, 400, 'VALIDATION_ERROR'],
      [jane, mo.id, { roles: [] }, 400, 'VALIDATION_ERROR'],
      [jane, mo.id, { roles: ['role_admin', 'role_member'] }, 400, 'VALIDATION_ERROR'],
      [jane, mo.id, {}, 400, 'VALIDATION_ERROR'],
      [jane, `acct_${'0'.repeat(32)}`, { roles: ['role_admin'] }, 404, 'NOT_FOUND'],
    ];
    for (const [actor, target, body, status, code] of refusals) {
      expectError(await send(actor, 'PUT', `/v1/organizations/${orgId}/members/${target}/roles`, body), status, code);
    }
    expectError(await send(ada, 'DELETE', `/v1/organizations/${orgId}/members/${jane.id}`), 403, 'FORBIDDEN');
    expectError(await send(jane, 'DELETE', `/v1/organizations/${orgId}/members/${jane.id}`), 403, 'FORBIDDEN');
    expectError(await send(mo, 'DELETE', `/v1/organizations/${orgId}/members/${ada.id}`), 403, 'FORBIDDEN');
    expectError(await send(jane, 'POST', `/v1/organizations/${orgId}/leave`), 403, 'FORBIDDEN');
    expect(await orgState(orgId)).toEqual(before);
  });

  it('removes a member (admin or owner) and records it', async () => {
    const jane = await user('jane');
    const ada = await user('ada');
    const mo = await user('mo');
    const orgId = await teamOrg(jane);
    await addMember(orgId, ada, 'admin');
    await addMember(orgId, mo, 'member');
    const res = await send(ada, 'DELETE', `/v1/organizations/${orgId}/members/${mo.id}`);
    expect(res.status).toBe(200);
    expect((await h.db.query('SELECT 1 FROM memberships WHERE org_id = $1 AND account_id = $2', [orgId, mo.id])).rowCount).toBe(0);
    expect((await h.db.query(`SELECT subject FROM org_audit_events WHERE org_id = $1 AND type = 'member.removed'`, [orgId])).rows).toEqual([{ subject: mo.id }]);
    expectError(await get(mo, `/v1/organizations/${orgId}`), 404, 'NOT_FOUND');
    expectError(await send(ada, 'DELETE', `/v1/organizations/${orgId}/members/${mo.id}`), 404, 'NOT_FOUND');
    // an admin may remove themselves: the event is written while they are still a member (found by the fuzz suite: a 500)
    const self = await send(ada, 'DELETE', `/v1/organizations/${orgId}/members/${ada.id}`);
    expect(self.status).toBe(200);
    expect((await h.db.query(`SELECT subject FROM org_audit_events WHERE org_id = $1 AND type = 'member.removed' ORDER BY id`, [orgId])).rows).toEqual([{ subject: mo.id }, { subject: ada.id }]);
  });

  it('lets a member leave', async () => {
    const jane = await user('jane');
    const mo = await user('mo');
    const orgId = await teamOrg(jane);
    await addMember(orgId, mo, 'member');
    expect((await send(mo, 'POST', `/v1/organizations/${orgId}/leave`)).status).toBe(200);
    expect((await get(mo, '/v1/organizations')).body.total).toBe(1);
    expect((await get(jane, `/v1/organizations/${orgId}/members`)).body.total).toBe(1);
    expectError(await send(mo, 'POST', `/v1/organizations/${orgId}/leave`), 404, 'NOT_FOUND');
  });

  it('transfers ownership to a member; the previous owner stays as admin', async () => {
    const jane = await user('jane');
    const ada = await user('ada');
    const mo = await user('mo');
    const carol = await user('carol');
    const orgId = await teamOrg(jane);
    await addMember(orgId, ada, 'admin');
    await addMember(orgId, mo, 'member');

    const before = await orgState(orgId);
    expectError(await send(ada, 'POST', `/v1/organizations/${orgId}/transfer-ownership`, { accountId: ada.id }), 403, 'FORBIDDEN');
    expectError(await send(jane, 'POST', `/v1/organizations/${orgId}/transfer-ownership`, { accountId: carol.id }), 404, 'NOT_FOUND');
    expectError(await send(jane, 'POST', `/v1/organizations/${orgId}/transfer-ownership`, {}), 400, 'VALIDATION_ERROR');
    expect(await orgState(orgId)).toEqual(before);

    const res = await send(jane, 'POST', `/v1/organizations/${orgId}/transfer-ownership`, { accountId: mo.id });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ownerAccountId: mo.id });
    const roles = await h.db.query('SELECT account_id, role FROM memberships WHERE org_id = $1 ORDER BY role', [orgId]);
    expect(Object.fromEntries(roles.rows.map((r: any) => [r.account_id, r.role]))).toEqual({ [jane.id]: 'admin', [ada.id]: 'admin', [mo.id]: 'owner' });
    expect((await get(jane, `/v1/organizations/${orgId}`)).body.metadata.ownerAccountId).toBe(mo.id);
    // exactly one owner, and the old owner can now leave while the new one cannot
    expect((await send(mo, 'POST', `/v1/organizations/${orgId}/leave`)).status).toBe(403);
    expect((await send(jane, 'POST', `/v1/organizations/${orgId}/leave`)).status).toBe(200);
  });
});

describe('settings', () => {
  it('serves the features', async () => {
    const jane = await user('jane');
    const orgId = await teamOrg(jane);
    const res = await get(jane, `/v1/organizations/${orgId}/features`);
    expect(res.status).toBe(200);
    const flag = { enabled: expect.any(Boolean) };
    expect(res.body).toEqual({ features: { gitSync: flag, orgBasicRbac: flag, cloudSync: flag, localVault: flag } });
  });

  it('gets and sets the storage rule; an invalid one is refused and changes nothing', async () => {
    const jane = await user('jane');
    const mo = await user('mo');
    const orgId = await teamOrg(jane);
    await addMember(orgId, mo, 'member');
    const path = `/v1/organizations/${orgId}/storage-rule`;
    expect((await get(mo, path)).body).toEqual({ storage: 'cloud_plus_local', isOverridden: false });
    for (const storage of ['cloud_only', 'local_only', 'cloud_plus_local', 'local_only']) {
      const put = await send(jane, 'PUT', path, { storage });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ storage, isOverridden: false });
      expect((await get(mo, path)).body.storage).toBe(storage);
    }
    const { rows } = await h.db.query(`SELECT details FROM org_audit_events WHERE org_id = $1 AND type = 'storage_rule.changed' ORDER BY id`, [orgId]);
    expect(rows.map((r: any) => r.details.to)).toEqual(['cloud_only', 'local_only', 'cloud_plus_local', 'local_only']);

    const before = await orgState(orgId);
    for (const body of [{ storage: 'everywhere' }, { storage: '' }, {}, { storage: ['cloud_only'] }, { storage: 'CLOUD_ONLY' }]) {
      expectError(await send(jane, 'PUT', path, body), 400, 'VALIDATION_ERROR');
    }
    expectError(await send(mo, 'PUT', path, { storage: 'cloud_only' }), 403, 'FORBIDDEN');
    expect(await orgState(orgId)).toEqual(before);
  });

  it('gets and sets the invite policy (normalised domains), admins only', async () => {
    const jane = await user('jane');
    const mo = await user('mo');
    const orgId = await teamOrg(jane);
    await addMember(orgId, mo, 'member');
    const path = `/v1/organizations/${orgId}/invite-policy`;
    expect((await get(mo, path)).body).toEqual({ allowedDomains: [] });
    const put = await send(jane, 'PUT', path, { allowedDomains: ['Example.com', 'acme.io', 'example.com'] });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ allowedDomains: ['acme.io', 'example.com'] });
    expect((await get(mo, path)).body).toEqual({ allowedDomains: ['acme.io', 'example.com'] });
    const before = await orgState(orgId);
    expectError(await send(jane, 'PUT', path, { allowedDomains: ['not a domain'] }), 400, 'VALIDATION_ERROR');
    expectError(await send(jane, 'PUT', path, {}), 400, 'VALIDATION_ERROR');
    expectError(await send(mo, 'PUT', path, { allowedDomains: [] }), 403, 'FORBIDDEN');
    expect(await orgState(orgId)).toEqual(before);
  });

  it('serves exactly the §6 permission keys, valued from the role table', async () => {
    // docs/protocol.md §6, written out here rather than imported so that a drift in the model shows
    const WIRE_KEYS = [
      'own:organization', 'read:organization', 'delete:organization', 'update:organization',
      'read:membership', 'delete:membership', 'update:membership',
      'read:invitation', 'create:invitation', 'delete:invitation',
      'create:enterprise_connection', 'read:enterprise_connection', 'delete:enterprise_connection', 'update:enterprise_connection',
      'leave:organization',
      'create:team_project', 'read:team_project', 'update:team_project', 'delete:team_project',
      'delete:file', 'get:organization:transfers', 'start:organization:transfer', 'revoke:organization:transfer',
    ];
    expect([...PERMISSIONS].sort()).toEqual([...WIRE_KEYS].sort());
    const jane = await user('jane');
    const ada = await user('ada');
    const mo = await user('mo');
    const orgId = await teamOrg(jane);
    await addMember(orgId, ada, 'admin');
    await addMember(orgId, mo, 'member');
    for (const [u, role] of [[jane, 'owner'], [ada, 'admin'], [mo, 'member']] as const) {
      const res = await get(u, `/v1/organizations/${orgId}/user-permissions`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual([...WIRE_KEYS].sort());
      expect(res.body).toEqual(Object.fromEntries(WIRE_KEYS.map((k) => [k, ROLE_PERMISSIONS[role].has(k as never)])));
    }
    // sanity on the table itself: it is not all-true or all-false
    const member = (await get(mo, `/v1/organizations/${orgId}/user-permissions`)).body;
    expect(member['read:organization']).toBe(true);
    expect(member['delete:organization']).toBe(false);
  });

  it('checks seats: unlimited by default, a configured limit counts members and new emails', async () => {
    const jane = await user('jane');
    const mo = await user('mo');
    const free = await teamOrg(jane);
    const emails = Array.from({ length: 100 }, (_, i) => `seat${i}@example.com`);
    const res = await send(jane, 'POST', `/v1/organizations/${free}/check-seats`, { emails });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ isAllowed: true });

    process.env.SOMNUS_ORG_SEAT_LIMIT = '3';
    resetConfig();
    let limited: string;
    try {
      limited = await teamOrg(jane, 'Limited');
    } finally {
      delete process.env.SOMNUS_ORG_SEAT_LIMIT;
      resetConfig();
    }
    await addMember(limited, mo, 'member');
    const check = async (list: string[]) => (await send(jane, 'POST', `/v1/organizations/${limited}/check-seats`, { emails: list })).body;
    expect(await check(['a@example.com'])).toEqual({ isAllowed: true }); // 2 members + 1
    expect(await check(['a@example.com', 'b@example.com'])).toEqual({ isAllowed: false }); // 2 + 2 > 3
    expect(await check([mo.email, 'a@example.com'])).toEqual({ isAllowed: true }); // mo already holds a seat
    expect(await check(['a@example.com', 'a@example.com'])).toEqual({ isAllowed: true });
    expectError(await send(jane, 'POST', `/v1/organizations/${limited}/check-seats`, { emails: ['not-an-email'] }), 400, 'VALIDATION_ERROR');
    expectError(await send(jane, 'POST', `/v1/organizations/${limited}/check-seats`, {}), 400, 'VALIDATION_ERROR');
  });
});

describe('team projects', () => {
  it('creates, renames and deletes; the default one stays; foreign ids are 404', async () => {
    const jane = await user('jane');
    const mo = await user('mo');
    const orgId = await teamOrg(jane);
    const otherOrg = await teamOrg(jane, 'Other');
    await addMember(orgId, mo, 'member');
    const base = `/v1/organizations/${orgId}/team-projects`;

    const created = await send(jane, 'POST', base, { name: 'API' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^proj_[0-9a-f]{32}$/), name: 'API' });
    const id = created.body.id;
    expect((await get(mo, base)).body).toEqual({ data: [{ id: `proj_${orgId}`, name: expect.any(String) }, { id, name: 'API' }] });

    const renamed = await send(jane, 'PATCH', `${base}/${id}`, { name: 'API v2' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ id, name: 'API v2' });

    const before = await orgState(orgId);
    const otherBefore = await orgState(otherOrg);
    expectError(await send(mo, 'POST', base, { name: 'Mine' }), 403, 'FORBIDDEN');
    expectError(await send(mo, 'PATCH', `${base}/${id}`, { name: 'Mine' }), 403, 'FORBIDDEN');
    expectError(await send(mo, 'DELETE', `${base}/${id}`), 403, 'FORBIDDEN');
    expectError(await send(jane, 'POST', base, { name: '' }), 400, 'VALIDATION_ERROR');
    expectError(await send(jane, 'PATCH', `${base}/${id}`, {}), 400, 'VALIDATION_ERROR');
    expectError(await send(jane, 'DELETE', `${base}/proj_${orgId}`), 403, 'FORBIDDEN');
    // another org's project under this org's path: not visible here, even to someone who owns both
    expectError(await send(jane, 'PATCH', `${base}/proj_${otherOrg}`, { name: 'Moved' }), 404, 'NOT_FOUND');
    expectError(await send(jane, 'DELETE', `${base}/proj_${otherOrg}`), 404, 'NOT_FOUND');
    expectError(await send(jane, 'DELETE', `${base}/proj_${'0'.repeat(32)}`), 404, 'NOT_FOUND');
    expect(await orgState(orgId)).toEqual(before);
    expect(await orgState(otherOrg)).toEqual(otherBefore);

    expect((await send(jane, 'DELETE', `${base}/${id}`)).status).toBe(200);
    expect((await get(jane, base)).body.data.map((p: any) => p.id)).toEqual([`proj_${orgId}`]);
    expectError(await send(jane, 'DELETE', `${base}/${id}`), 404, 'NOT_FOUND');
  });
});

describe('audit events', () => {
  it('shows org events and member logins to owners and admins, not to members', async () => {
    const jane = await user('jane');
    const ada = await user('ada');
    const mo = await user('mo');
    const orgId = await teamOrg(jane);
    await addMember(orgId, ada, 'admin');
    await addMember(orgId, mo, 'member');
    await send(jane, 'PUT', `/v1/organizations/${orgId}/storage-rule`, { storage: 'cloud_only' });
    await send(jane, 'PUT', `/v1/organizations/${orgId}/members/${mo.id}/roles`, { roles: ['role_admin'] });
    await send(jane, 'PUT', `/v1/organizations/${orgId}/members/${mo.id}/roles`, { roles: ['role_member'] });
    // a login after joining shows in the org's login report
    await login(h.auth, mo.email, 'pass');

    const path = `/v1/organizations/${orgId}/audit-events`;
    const res = await get(ada, path);
    expect(res.status).toBe(200);
    const types = res.body.events.map((e: any) => e.type);
    expect(types).toEqual(expect.arrayContaining(['org.created', 'storage_rule.changed', 'member.role_changed', 'login.succeeded']));
    const moLogin = res.body.events.find((e: any) => e.type === 'login.succeeded' && e.actor?.accountId === mo.id);
    expect(moLogin).toMatchObject({ actor: { accountId: mo.id, email: mo.email }, created: expect.any(String) });
    expect(res.body).toMatchObject({ start: 0, length: types.length, total: types.length });

    const p0 = await get(jane, `${path}?per_page=2`);
    expect(p0.body).toMatchObject({ length: 2, total: types.length, next: 'page=1&per_page=2' });
    expect(p0.body.events.map((e: any) => e.id)).toEqual(res.body.events.slice(0, 2).map((e: any) => e.id));

    expectError(await get(mo, path), 403, 'FORBIDDEN');
    // another org's events never show here
    const otherOrg = await teamOrg(jane, 'Other');
    await send(jane, 'PUT', `/v1/organizations/${otherOrg}/storage-rule`, { storage: 'local_only' });
    const again = await get(jane, path);
    expect(again.body.events.filter((e: any) => e.type === 'storage_rule.changed').map((e: any) => e.details.to)).toEqual(['cloud_only']);
    expect(again.body.events.some((e: any) => e.type === 'org.created' && e.details?.type === 'team')).toBe(true);
    expect(again.body.events.filter((e: any) => e.type === 'org.created')).toHaveLength(1);
  });
});
