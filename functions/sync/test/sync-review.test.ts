import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { fakeBlob, randomId, seedTenant, signupAndLogin, startTenantHarness, type Harness, type Tenant, type User } from '../../../test/security/tenant-fixtures';

/**
 * What an outside review of sync found, each as the user who would meet it: taking a shared project back
 * returns it to where it came from and nowhere else; a snapshot id names one commit; dates Postgres cannot
 * hold are the client's error, not the server's.
 */

let h: Harness;
let owner: User;
let bob: User;
let tenant: Tenant;

const ROOT = '0'.repeat(40);
const wrapped = () => randomBytes(256).toString('hex');
const sha1ish = () => randomBytes(20).toString('hex');

async function gql(u: User, query: string, variables: Record<string, unknown> = {}) {
  const r = await h.sync.call('POST', '/graphql', { query, variables }, u.headers);
  expect(r.status).toBe(200);
  return r.body as { data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

const Q = {
  create: 'mutation ($name: String!, $id: ID!, $rootDocumentId: ID!, $teamId: ID, $teamKeys: [ProjectCreateKeyInput!]) { projectCreate(name: $name, id: $id, rootDocumentId: $rootDocumentId, teamId: $teamId, teamKeys: $teamKeys) { id } }',
  members: 'query ($teamId: ID!) { teamMemberKeys(teamId: $teamId) { memberKeys { accountId } } }',
  share: 'mutation ($teamId: ID!, $id: ID!, $keys: [ProjectShareKeyInput!]!) { projectShare(teamId: $teamId, id: $id, keys: $keys) { id } }',
  unshare: 'mutation ($id: ID!) { projectUnShare(id: $id) { id } }',
  project: 'query ($id: ID!) { project(id: $id) { id teams { id } } }',
  blobsCreate: 'mutation ($project: ID!, $blobs: [BlobInput!]!) { blobsCreate(project: $project, blobs: $blobs) { count } }',
  push: 'mutation ($project: ID!, $snapshots: [SnapshotInput!]!, $branch: String!) { snapshotsCreate(project: $project, snapshots: $snapshots, branch: $branch) { id name } }',
};

beforeAll(async () => {
  h = await startTenantHarness();
  owner = await signupAndLogin(h, 'owner');
  bob = await signupAndLogin(h, 'bob');
  const invitee = await signupAndLogin(h, 'invitee');
  tenant = await seedTenant(h, owner, { members: { member: bob }, invitee, name: 'Review' });
});
afterAll(async () => h?.stop());

/** Bob's personal project, shared with the team with a key for every member. */
async function bobsSharedProject(): Promise<string> {
  const id = randomId('prj');
  expect((await gql(bob, Q.create, { name: 'Mine', id, rootDocumentId: 'wrk_m', teamKeys: [{ accountId: bob.id, encSymmetricKey: wrapped() }] })).errors).toBeUndefined();
  const members = (await gql(bob, Q.members, { teamId: tenant.orgId })).data!.teamMemberKeys.memberKeys as { accountId: string }[];
  const keys = members.map((m) => ({ accountId: m.accountId, encSymmetricKey: wrapped() }));
  expect((await gql(bob, Q.share, { teamId: tenant.orgId, id, keys })).data!.projectShare).toEqual({ id });
  // a retried share answers the same, and changes nothing
  expect((await gql(bob, Q.share, { teamId: tenant.orgId, id, keys })).data!.projectShare).toEqual({ id });
  return id;
}

describe('taking a shared project back', () => {
  it('goes back to the personal org it came from, only by whoever shared it', async () => {
    const id = await bobsSharedProject();
    const byOwner = await gql(owner, Q.unshare, { id });
    expect(byOwner.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(owner, Q.project, { id })).data!.project.teams).toEqual([{ id: tenant.orgId }]);

    expect((await gql(bob, Q.unshare, { id })).data!.projectUnShare).toEqual({ id });
    expect((await gql(owner, Q.project, { id })).data!.project).toBeNull();
    const home = (await gql(bob, Q.project, { id })).data!.project.teams[0].id as string;
    expect(home).not.toBe(tenant.orgId);
    expect((await h.db.query(`SELECT type, owner_account_id FROM organizations WHERE id = $1`, [home])).rows[0]).toEqual({ type: 'personal', owner_account_id: bob.id });
  });

  it('a project made in the team cannot be pulled out of it by a member', async () => {
    const id = randomId('prj');
    const members = (await gql(bob, Q.members, { teamId: tenant.orgId })).data!.teamMemberKeys.memberKeys as { accountId: string }[];
    await gql(bob, Q.create, { name: 'Team', id, rootDocumentId: 'wrk_t', teamId: tenant.orgId, teamKeys: members.map((m) => ({ accountId: m.accountId, encSymmetricKey: wrapped() })) });
    expect((await gql(bob, Q.unshare, { id })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(owner, Q.project, { id })).data!.project).toEqual({ id, teams: [{ id: tenant.orgId }] });
  });

  it('drops the keys pending invitations hold for it, so the invitation can still be accepted', async () => {
    const id = await bobsSharedProject();
    await h.db.query(`INSERT INTO invite_keys (invite_id, org_id, project_id, enc_symmetric_key, auto_linked) VALUES ($1, $2, $3, $4, false)`, [tenant.invitationId, tenant.orgId, id, wrapped()]);
    expect((await gql(bob, Q.unshare, { id })).data!.projectUnShare).toEqual({ id });
    expect((await h.db.query(`SELECT count(*)::int AS n FROM invite_keys WHERE project_id = $1`, [id])).rows[0].n).toBe(0);
  });

  it('unshares racing pushes and each other end in answers, never an internal error', async () => {
    const id = await bobsSharedProject();
    const blob = sha1ish();
    await gql(owner, Q.blobsCreate, { project: id, blobs: [{ id: blob, content: fakeBlob() }] });
    const push = (u: User) => gql(u, Q.push, { project: id, branch: `b-${randomBytes(3).toString('hex')}`, snapshots: [{ id: sha1ish(), parent: ROOT, created: new Date().toISOString(), name: 'x', state: [{ key: 'k', name: 'n', blob }] }] });
    const answers = await Promise.all([...Array.from({ length: 8 }, () => push(owner)), gql(bob, Q.unshare, { id }), gql(bob, Q.unshare, { id })]);
    for (const a of answers) expect(a.errors?.[0]?.extensions?.code ?? 'ok').not.toBe('INTERNAL');
  });
});

describe('a snapshot id names one commit', () => {
  it('pushing an id already on the branch with other content is a conflict, not a silent keep', async () => {
    const blob = sha1ish();
    await gql(owner, Q.blobsCreate, { project: tenant.projectId, blobs: [{ id: blob, content: fakeBlob() }] });
    const branch = `b-${randomBytes(3).toString('hex')}`;
    const s1 = { id: sha1ish(), parent: ROOT, created: new Date().toISOString(), name: 'original', state: [{ key: 'k', name: 'n', blob }] };
    expect((await gql(owner, Q.push, { project: tenant.projectId, branch, snapshots: [s1] })).errors).toBeUndefined();
    // the same push again is a retry: fine
    expect((await gql(owner, Q.push, { project: tenant.projectId, branch, snapshots: [s1] })).data!.snapshotsCreate).toEqual([{ id: s1.id, name: 'original' }]);
    const changed = await gql(owner, Q.push, { project: tenant.projectId, branch, snapshots: [{ ...s1, parent: 'f'.repeat(40), state: [] }] });
    expect(changed.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('a date Postgres cannot hold is refused as the client’s error', async () => {
    for (const created of ['-100000-01-01T00:00:00Z', '-005000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z']) {
      const r = await gql(owner, Q.push, { project: tenant.projectId, branch: 'dates', snapshots: [{ id: sha1ish(), parent: ROOT, created, name: 'x', state: [] }] });
      expect(r.errors?.[0]?.extensions?.code).toBe('VALIDATION_ERROR');
    }
  });
});

describe('bounded answers and honest ciphertexts', () => {
  it('a list field asked twice in one request (aliases repeating one large list) is refused before anything runs', async () => {
    const ids = Array.from({ length: 3 }, sha1ish);
    const r = await gql(owner, 'query ($p: ID!, $ids: [ID!]!) { a: blobsMissing(project: $p, ids: $ids) { missing } b: blobsMissing(project: $p, ids: $ids) { missing } }', { p: tenant.projectId, ids });
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.[0]?.message).toMatch(/once per request/);
  });

  it('blob content is an AESMessage of exactly its four fields, in whole bytes of hex', async () => {
    const good = JSON.parse(fakeBlob()) as Record<string, string>;
    for (const content of [JSON.stringify({ ...good, name: 'SECRET PLAINTEXT' }), JSON.stringify({ ...good, d: 'abc' }), JSON.stringify({ ...good, ad: 'a' })]) {
      const r = await gql(owner, Q.blobsCreate, { project: tenant.projectId, blobs: [{ id: sha1ish(), content }] });
      expect(r.errors?.[0]?.extensions?.code).toBe('VALIDATION_ERROR');
    }
  });
});

describe('a blobs answer stays bounded', () => {
  it('blobs holding more than one body’s worth of content are refused as a whole, asking for fewer ids', async () => {
    const big = () => JSON.stringify({ iv: randomBytes(12).toString('hex'), t: randomBytes(16).toString('hex'), d: randomBytes(2_200_000).toString('hex'), ad: '' });
    const ids = [sha1ish(), sha1ish()];
    for (const id of ids) expect((await gql(owner, Q.blobsCreate, { project: tenant.projectId, blobs: [{ id, content: big() }] })).errors).toBeUndefined();
    const both = await gql(owner, 'query ($p: ID!, $ids: [ID!]!) { blobs(project: $p, ids: $ids) { id } }', { p: tenant.projectId, ids });
    expect(both.errors?.[0]).toMatchObject({ message: expect.stringMatching(/fewer ids/), extensions: { code: 'PAYLOAD_TOO_LARGE' } });
    const one = await gql(owner, 'query ($p: ID!, $ids: [ID!]!) { blobs(project: $p, ids: $ids) { id content } }', { p: tenant.projectId, ids: [ids[0]] });
    expect(one.data!.blobs.map((b: { id: string }) => b.id)).toEqual([ids[0]]);
  });
});

describe('a snapshots answer stays bounded', () => {
  it('snapshots holding more than two bodies’ worth of state are refused as a whole, asking for fewer ids', async () => {
    const blob = sha1ish();
    expect((await gql(owner, Q.blobsCreate, { project: tenant.projectId, blobs: [{ id: blob, content: fakeBlob() }] })).errors).toBeUndefined();
    // about 6.5 MB of state each: one fits a request body, three are more than one answer carries
    const state = Array.from({ length: 6000 }, (_, i) => ({ key: `req_${i}`, name: 'n'.repeat(1000), blob }));
    const ids: string[] = [];
    let parent = ROOT;
    for (let i = 0; i < 3; i++) {
      const s = { id: sha1ish(), parent, created: new Date().toISOString(), name: `big ${i}`, state };
      expect((await gql(owner, Q.push, { project: tenant.projectId, branch: 'big-states', snapshots: [s] })).errors).toBeUndefined();
      ids.push(s.id);
      parent = s.id;
    }
    const all = await gql(owner, 'query ($p: ID!, $ids: [ID!]!) { snapshots(project: $p, ids: $ids) { id } }', { p: tenant.projectId, ids });
    expect(all.errors?.[0]).toMatchObject({ message: expect.stringMatching(/fewer ids/), extensions: { code: 'PAYLOAD_TOO_LARGE' } });
    const two = await gql(owner, 'query ($p: ID!, $ids: [ID!]!) { snapshots(project: $p, ids: $ids) { id state { key } } }', { p: tenant.projectId, ids: ids.slice(0, 2) });
    expect(two.data!.snapshots.map((s: { id: string; state: unknown[] }) => [s.id, s.state.length])).toEqual([[ids[0], 6000], [ids[1], 6000]]);
  }, 60_000);
});

describe('from the second outside review', () => {
  it('fragments that spread the next one many times over are judged in time proportional to the document', async () => {
    // 8 spreads on each of 40 levels: 8^40 paths; a walk that measured each path would never answer
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ${Array(8).fill(`...F${i + 1}`).join(' ')} }`);
    const r = await gql(owner, `query { ...F0 } ${fragments.join(' ')} fragment F${levels} on Query { __typename }`);
    expect(r).toEqual({ data: { __typename: 'Query' } });
  });

  it('the schema is not introspectable', async () => {
    const r = await gql(owner, 'query { __schema { types { name } } }');
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it('a push naming one snapshot twice is refused, and stores nothing', async () => {
    const branch = `dup-${randomBytes(3).toString('hex')}`;
    const [x, y] = [sha1ish(), sha1ish()];
    const created = new Date().toISOString();
    const r = await gql(owner, Q.push, {
      project: tenant.projectId,
      branch,
      snapshots: [
        { id: x, parent: ROOT, created, name: 'x', state: [] },
        { id: y, parent: x, created, name: 'y', state: [] },
        { id: x, parent: y, created, name: 'x again', state: [] },
      ],
    });
    expect(r.errors?.[0]?.extensions?.code).toBe('VALIDATION_ERROR');
    expect((await gql(owner, 'query ($p: ID!, $b: String!) { branch(project: $p, name: $b) { snapshots } }', { p: tenant.projectId, b: branch })).data!.branch).toBeNull();
  });

  it('one large snapshot asked for three times is answered once, within the cap', async () => {
    const blob = sha1ish();
    expect((await gql(owner, Q.blobsCreate, { project: tenant.projectId, blobs: [{ id: blob, content: fakeBlob() }] })).errors).toBeUndefined();
    const state = Array.from({ length: 6000 }, (_, i) => ({ key: `req_${i}`, name: 'n'.repeat(1000), blob }));
    const s = { id: sha1ish(), parent: ROOT, created: new Date().toISOString(), name: 'big', state };
    expect((await gql(owner, Q.push, { project: tenant.projectId, branch: `big-${randomBytes(3).toString('hex')}`, snapshots: [s] })).errors).toBeUndefined();
    const r = await gql(owner, 'query ($p: ID!, $ids: [ID!]!) { snapshots(project: $p, ids: $ids) { id } }', { p: tenant.projectId, ids: [s.id, s.id, s.id] });
    expect(r.data!.snapshots).toEqual([{ id: s.id }]);
  }, 60_000);

  it('a snapshot’s name and description are bounded on push', async () => {
    for (const long of [{ name: 'n'.repeat(1001) }, { description: 'd'.repeat(10_001) }]) {
      const s = { id: sha1ish(), parent: ROOT, created: new Date().toISOString(), name: 'ok', state: [], ...long };
      const r = await gql(owner, Q.push, { project: tenant.projectId, branch: `long-${randomBytes(3).toString('hex')}`, snapshots: [s] });
      expect(r.errors?.[0]?.extensions?.code).toBe('VALIDATION_ERROR');
    }
  });

  it('pushes and uploads racing projectShare end in answers, never an internal error, and none says access was lost', async () => {
    const codes: string[] = [];
    for (let round = 0; round < 4; round++) {
      const id = randomId('prj');
      expect((await gql(bob, Q.create, { name: 'Mine', id, rootDocumentId: 'wrk_m', teamKeys: [{ accountId: bob.id, encSymmetricKey: wrapped() }] })).errors).toBeUndefined();
      const members = (await gql(bob, Q.members, { teamId: tenant.orgId })).data!.teamMemberKeys.memberKeys as { accountId: string }[];
      const keys = members.map((m) => ({ accountId: m.accountId, encSymmetricKey: wrapped() }));
      const push = () =>
        gql(bob, Q.push, { project: id, branch: `b-${randomBytes(3).toString('hex')}`, snapshots: [{ id: sha1ish(), parent: ROOT, created: new Date().toISOString(), name: 'x', state: [] }] });
      const upload = () => gql(bob, Q.blobsCreate, { project: id, blobs: [{ id: sha1ish(), content: fakeBlob() }] });
      const writes = () => Array.from({ length: 6 }, (_, i) => (i % 2 ? push() : upload()));
      const answers = await Promise.all([...writes(), gql(bob, Q.share, { teamId: tenant.orgId, id, keys }), ...writes()]);
      codes.push(...answers.map((a) => a.errors?.[0]?.extensions?.code ?? 'ok'));
    }
    expect(codes.filter((c) => c !== 'ok')).toEqual([]);
  }, 120_000);
});

// last: it removes Bob from the tenant
describe('a read racing a member’s removal', () => {
  it('answers as of before the removal, or refuses: never an empty success', async () => {
    const id = await bobsSharedProject();
    const blob = sha1ish();
    expect((await gql(bob, Q.blobsCreate, { project: id, blobs: [{ id: blob, content: fakeBlob() }] })).errors).toBeUndefined();
    const first = { id: sha1ish(), parent: ROOT, created: new Date().toISOString(), name: 'first', state: [{ key: 'k', name: 'n', blob }] };
    expect((await gql(bob, Q.push, { project: id, branch: 'master', snapshots: [first] })).errors).toBeUndefined();

    // the removal holds the org's exclusive lock, as removing a member does, while bob's read starts
    const removal = new Client({ connectionString: h.db.adminUrl });
    await removal.connect();
    try {
      await removal.query('BEGIN');
      await removal.query(`SELECT pg_advisory_xact_lock(hashtextextended('org:' || $1, 0))`, [tenant.orgId]);
      await removal.query('DELETE FROM project_keys WHERE org_id = $1 AND account_id = $2', [tenant.orgId, bob.id]);
      await removal.query('DELETE FROM memberships WHERE org_id = $1 AND account_id = $2', [tenant.orgId, bob.id]);
      const read = gql(bob, 'query ($p: ID!) { branches(project: $p) { name snapshots } }', { p: id });
      for (let i = 0; i < 200; i++) {
        const { rows } = await h.db.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
        if (rows.length) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await removal.query('COMMIT');
      const r = await read;
      if (r.errors) expect(r.errors[0]!.message).toMatch(/invalid access/);
      else expect(r.data!.branches).toEqual([{ name: 'master', snapshots: [first.id] }]);
    } finally {
      await removal.end();
    }
    // and the next request is refused
    expect((await gql(bob, 'query ($p: ID!) { branches(project: $p) { name } }', { p: id })).errors?.[0]?.message).toMatch(/invalid access/);
  });
});
