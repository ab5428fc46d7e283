import { randomBytes } from 'node:crypto';
import { fakeBlob, randomId, signupAndLogin, startTenantHarness, type Harness, type User } from '../../../test/security/tenant-fixtures';

/**
 * The sync function end to end over GraphQL, as Insomnia's push and pull use it (docs/protocol.md §5):
 * create a project with a key per member, push blobs and snapshots, pull them as a teammate, commit on
 * top, and the rules that keep history whole — fast-forward only, retries are no-ops, races have one
 * winner — and that nobody without a key learns anything.
 */

let h: Harness;
let jane: User;
let bob: User;
let eve: User;
let orgId: string;

const ROOT = '0'.repeat(40);
const wrapped = () => randomBytes(256).toString('hex');
const sha1ish = () => randomBytes(20).toString('hex');

async function gql(u: User | null, query: string, variables: Record<string, unknown> = {}) {
  const r = await h.sync.call('POST', '/graphql?label', { query, variables }, u?.headers ?? {});
  expect(r.status).toBe(200);
  return r.body as { data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

const Q = {
  project: 'query ($id: ID!) { project(id: $id) { id name rootDocumentId } }',
  teamMemberKeys: 'query ($teamId: ID!) { teamMemberKeys(teamId: $teamId) { memberKeys { accountId publicKey autoLinked } } }',
  projectCreate:
    'mutation ($name: String!, $id: ID!, $rootDocumentId: ID!, $teamId: ID, $teamKeys: [ProjectCreateKeyInput!], $teamProjectId: ID) { projectCreate(name: $name, id: $id, rootDocumentId: $rootDocumentId, teamId: $teamId, teamKeys: $teamKeys, teamProjectId: $teamProjectId) { id name rootDocumentId } }',
  branch: 'query ($project: ID!, $branch: String!) { branch(project: $project, name: $branch) { created modified name snapshots } }',
  blobsMissing: 'query ($project: ID!, $ids: [ID!]!) { blobsMissing(project: $project, ids: $ids) { missing } }',
  projectKey: 'query ($projectId: ID!) { projectKey(projectId: $projectId) { encSymmetricKey } }',
  blobsCreate: 'mutation ($project: ID!, $blobs: [BlobInput!]!) { blobsCreate(project: $project, blobs: $blobs) { count } }',
  snapshotsCreate:
    'mutation ($project: ID!, $snapshots: [SnapshotInput!]!, $branch: String!) { snapshotsCreate(project: $project, snapshots: $snapshots, branch: $branch) { id parent created author authorAccount { firstName lastName email } name description state { blob key name } } }',
  snapshots:
    'query ($ids: [ID!]!, $project: ID!) { snapshots(ids: $ids, project: $project) { id parent created author authorAccount { firstName lastName email } name description state { blob key name } } }',
  blobs: 'query ($ids: [ID!]!, $project: ID!) { blobs(ids: $ids, project: $project) { id content } }',
  projects: 'query ($teamId: ID, $teamProjectId: ID) { projects(teamId: $teamId, teamProjectId: $teamProjectId) { id name rootDocumentId teams { id name } } }',
};

beforeAll(async () => {
  h = await startTenantHarness();
  [jane, bob, eve] = await Promise.all([signupAndLogin(h, 'jane'), signupAndLogin(h, 'bob'), signupAndLogin(h, 'eve')]);
  orgId = (await h.invites.call('POST', '/v1/organizations', { name: 'Acme' }, jane.headers)).body.id;
  const inv = await h.invites.call('POST', `/v1/organizations/${orgId}/invites`, { inviteeId: bob.id, inviteeEmail: bob.email }, jane.headers);
  expect(inv.status).toBe(201);
  expect((await h.invites.call('POST', `/v1/invites/${inv.body.id}/accept`, undefined, bob.headers)).status).toBe(200);
});
afterAll(async () => h?.stop());

/** Jane's push of a new project, in the client's order: project → teamMemberKeys → projectCreate → … */
async function newProject(): Promise<{ id: string; blob: string; first: string; bobKey: string }> {
  const id = randomId('prj');
  expect((await gql(jane, Q.project, { id })).data!.project).toBeNull();
  const members = (await gql(jane, Q.teamMemberKeys, { teamId: orgId })).data!.teamMemberKeys.memberKeys;
  // every member, the caller included (Bob until the access tests remove him)
  expect(members.map((m: { accountId: string }) => m.accountId)).toContain(jane.id);
  const keys = members.map((m: { accountId: string }) => ({ accountId: m.accountId, encSymmetricKey: wrapped(), autoLinked: false }));
  const created = await gql(jane, Q.projectCreate, { name: 'Payments API', id, rootDocumentId: 'wrk_payments', teamId: orgId, teamKeys: keys });
  expect(created.data!.projectCreate).toEqual({ id, name: 'Payments API', rootDocumentId: 'wrk_payments' });
  const blob = sha1ish();
  expect((await gql(jane, Q.blobsMissing, { project: id, ids: [blob] })).data!.blobsMissing.missing).toEqual([blob]);
  await gql(jane, Q.blobsCreate, { project: id, blobs: [{ id: blob, content: fakeBlob() }] });
  const first = sha1ish();
  const pushed = await gql(jane, Q.snapshotsCreate, {
    project: id,
    branch: 'master',
    snapshots: [{ id: first, parent: ROOT, created: new Date().toISOString(), name: 'Initial', description: '', author: bob.id, state: [{ key: 'req_1', name: 'Get payments', blob }] }],
  });
  expect(pushed.errors).toBeUndefined();
  // the author is the session's account, whatever the body says
  expect(pushed.data!.snapshotsCreate[0]).toMatchObject({ id: first, author: jane.id, authorAccount: { email: jane.email } });
  return { id, blob, first, bobKey: keys.find((k: { accountId: string }) => k.accountId === bob.id)?.encSymmetricKey ?? '' };
}

describe('push, share, pull', () => {
  it('a teammate pulls what was pushed, commits on top, and the first user pulls that commit', async () => {
    const p = await newProject();
    // Bob's pull: project → branch → snapshots → projectKey → blobs
    expect((await gql(bob, Q.project, { id: p.id })).data!.project).toEqual({ id: p.id, name: 'Payments API', rootDocumentId: 'wrk_payments' });
    const branch = (await gql(bob, Q.branch, { project: p.id, branch: 'master' })).data!.branch;
    expect(branch.snapshots).toEqual([p.first]);
    const snaps = (await gql(bob, Q.snapshots, { ids: branch.snapshots, project: p.id })).data!.snapshots;
    expect(snaps[0].state).toEqual([{ blob: p.blob, key: 'req_1', name: 'Get payments' }]);
    expect((await gql(bob, Q.projectKey, { projectId: p.id })).data!.projectKey.encSymmetricKey).toBe(p.bobKey);
    const blobs = (await gql(bob, Q.blobs, { ids: [p.blob], project: p.id })).data!.blobs;
    expect(blobs.map((b: { id: string }) => b.id)).toEqual([p.blob]);

    const second = sha1ish();
    const blob2 = sha1ish();
    await gql(bob, Q.blobsCreate, { project: p.id, blobs: [{ id: blob2, content: fakeBlob() }] });
    const pushed = await gql(bob, Q.snapshotsCreate, {
      project: p.id,
      branch: 'master',
      snapshots: [{ id: second, parent: p.first, created: new Date().toISOString(), name: 'Add refunds', state: [{ key: 'req_2', name: 'Refund', blob: blob2 }] }],
    });
    expect(pushed.errors).toBeUndefined();
    expect((await gql(jane, Q.branch, { project: p.id, branch: 'master' })).data!.branch.snapshots).toEqual([p.first, second]);
    const projects = (await gql(jane, Q.projects, { teamId: orgId })).data!.projects;
    expect(projects.find((x: { id: string }) => x.id === p.id).teams).toEqual([{ id: orgId, name: 'Acme' }]);
  });

  it('a retried push of snapshots already on the branch changes nothing', async () => {
    const p = await newProject();
    const before = (await gql(jane, Q.branch, { project: p.id, branch: 'master' })).data!.branch.snapshots;
    const again = await gql(jane, Q.snapshotsCreate, {
      project: p.id,
      branch: 'master',
      snapshots: [{ id: p.first, parent: ROOT, created: new Date().toISOString(), name: 'Initial', state: [{ key: 'req_1', name: 'Get payments', blob: p.blob }] }],
    });
    expect(again.errors).toBeUndefined();
    expect((await gql(jane, Q.branch, { project: p.id, branch: 'master' })).data!.branch.snapshots).toEqual(before);
    const rows = await h.db.query('SELECT count(*)::int AS n FROM vcs_snapshots WHERE project_id = $1', [p.id]);
    expect(rows.rows[0].n).toBe(1);
  });

  it('a push that is not a fast-forward is refused as a conflict, and stores nothing', async () => {
    const p = await newProject();
    const stale = await gql(bob, Q.snapshotsCreate, {
      project: p.id,
      branch: 'master',
      snapshots: [{ id: sha1ish(), parent: ROOT, created: new Date().toISOString(), name: 'Diverged', state: [{ key: 'req_1', name: 'x', blob: p.blob }] }],
    });
    expect(stale.errors?.[0]).toMatchObject({ message: expect.stringContaining('pull first'), extensions: { code: 'CONFLICT' } });
    expect((await gql(jane, Q.branch, { project: p.id, branch: 'master' })).data!.branch.snapshots).toEqual([p.first]);
    expect((await h.db.query('SELECT count(*)::int AS n FROM vcs_snapshots WHERE project_id = $1', [p.id])).rows[0].n).toBe(1);
  });

  it('50 pushes racing on one branch: one wins, 49 are told to pull first, history stays linear', async () => {
    const p = await newProject();
    const contenders = Array.from({ length: 50 }, () => sha1ish());
    const results = await Promise.all(
      contenders.map((id, i) =>
        gql(i % 2 ? bob : jane, Q.snapshotsCreate, {
          project: p.id,
          branch: 'master',
          snapshots: [{ id, parent: p.first, created: new Date().toISOString(), name: `Race ${i}`, state: [{ key: 'req_1', name: 'x', blob: p.blob }] }],
        }),
      ),
    );
    const winners = results.filter((r) => !r.errors);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT')).toHaveLength(49);
    const history = (await gql(jane, Q.branch, { project: p.id, branch: 'master' })).data!.branch.snapshots;
    expect(history).toEqual([p.first, winners[0]!.data!.snapshotsCreate[0].id]);
    expect((await h.db.query('SELECT count(*)::int AS n FROM vcs_snapshots WHERE project_id = $1', [p.id])).rows[0].n).toBe(2);
  });

  it('a snapshot naming a blob that was never pushed is refused', async () => {
    const p = await newProject();
    const r = await gql(jane, Q.snapshotsCreate, {
      project: p.id,
      branch: 'master',
      snapshots: [{ id: sha1ish(), parent: p.first, created: new Date().toISOString(), name: 'Dangling', state: [{ key: 'req_9', name: 'x', blob: sha1ish() }] }],
    });
    expect(r.errors?.[0]?.message).toMatch(/blobs first/);
  });
});

describe('projectCreate rules', () => {
  it('an id that exists is refused alike whether or not the caller can see it', async () => {
    const p = await newProject();
    const seen = await gql(bob, Q.projectCreate, { name: 'Copy', id: p.id, rootDocumentId: 'wrk_x', teamId: orgId, teamKeys: [jane, bob].map((u) => ({ accountId: u.id, encSymmetricKey: wrapped() })) });
    const unseen = await gql(eve, Q.projectCreate, { name: 'Copy', id: p.id, rootDocumentId: 'wrk_x', teamKeys: [{ accountId: eve.id, encSymmetricKey: wrapped() }] });
    expect(seen.errors?.[0]?.message).toBe(unseen.errors?.[0]?.message);
    expect(unseen.errors?.[0]?.extensions?.code).toBe('PROJECT_EXISTS');
  });

  it('the keys must cover every member of the team, the caller included', async () => {
    const r = await gql(jane, Q.projectCreate, { name: 'Half', id: randomId('prj'), rootDocumentId: 'wrk_h', teamId: orgId, teamKeys: [{ accountId: jane.id, encSymmetricKey: wrapped() }] });
    expect(r.errors?.[0]?.message).toMatch(/every member/);
  });

  it('an organization whose storage rule is local_only takes no project', async () => {
    const localOrg = (await h.invites.call('POST', '/v1/organizations', { name: 'Local' }, eve.headers)).body.id;
    expect((await h.invites.call('PUT', `/v1/organizations/${localOrg}/storage-rule`, { storage: 'local_only' }, eve.headers)).status).toBe(200);
    const r = await gql(eve, Q.projectCreate, { name: 'Nope', id: randomId('prj'), rootDocumentId: 'wrk_n', teamId: localOrg, teamKeys: [{ accountId: eve.id, encSymmetricKey: wrapped() }] });
    expect(r.errors?.[0]).toMatchObject({ message: expect.stringContaining('local_only'), extensions: { code: 'FORBIDDEN' } });
  });

  it('without teamId the project goes to the personal org', async () => {
    const id = randomId('prj');
    const r = await gql(eve, Q.projectCreate, { name: 'Mine', id, rootDocumentId: 'wrk_m', teamKeys: [{ accountId: eve.id, encSymmetricKey: wrapped() }] });
    expect(r.errors).toBeUndefined();
    const mine = (await gql(eve, Q.projects, {})).data!.projects;
    expect(mine.map((x: { id: string }) => x.id)).toContain(id);
  });
});

describe('sharing a personal project with the team, and taking it back (2021 clients)', () => {
  const SHARE = {
    instructions: 'query ($teamId: ID!, $id: ID!) { projectShareInstructions(teamId: $teamId, id: $id) { teamId projectKey { encSymmetricKey } memberKeys { accountId publicKey } } }',
    share: 'mutation ($teamId: ID!, $id: ID!, $keys: [ProjectShareKeyInput!]!) { projectShare(teamId: $teamId, id: $id, keys: $keys) { id } }',
    unshare: 'mutation ($id: ID!) { projectUnShare(id: $id) { id } }',
    teams: 'query ($id: ID!) { project(id: $id) { teams { id name } } }',
  };

  it('shares with a key per member, all or nothing; unsharing drops the others’ keys', async () => {
    const id = randomId('prj');
    const mine = wrapped();
    expect((await gql(jane, Q.projectCreate, { name: 'Scratch', id, rootDocumentId: 'wrk_s', teamKeys: [{ accountId: jane.id, encSymmetricKey: mine }] })).errors).toBeUndefined();
    const blob = sha1ish();
    await gql(jane, Q.blobsCreate, { project: id, blobs: [{ id: blob, content: fakeBlob() }] });
    await gql(jane, Q.snapshotsCreate, { project: id, branch: 'master', snapshots: [{ id: sha1ish(), parent: ROOT, created: new Date().toISOString(), name: 'Mine', state: [{ key: 'r', name: 'r', blob }] }] });
    expect((await gql(bob, Q.branch, { project: id, branch: 'master' })).errors?.[0]?.message).toMatch(/invalid access/);

    const how = (await gql(jane, SHARE.instructions, { teamId: orgId, id })).data!.projectShareInstructions;
    expect(how.projectKey.encSymmetricKey).toBe(mine);
    const members = how.memberKeys.map((m: { accountId: string }) => m.accountId);
    expect(members).toEqual(expect.arrayContaining([jane.id, bob.id]));
    // a key missing for one member: refused, nothing moves
    const partial = await gql(jane, SHARE.share, { teamId: orgId, id, keys: [{ accountId: jane.id, encSymmetricKey: mine }] });
    expect(partial.errors?.[0]?.message).toMatch(/every member/);
    expect((await gql(jane, SHARE.teams, { id })).data!.project.teams[0].id).not.toBe(orgId);

    const keys = members.map((a: string) => ({ accountId: a, encSymmetricKey: a === jane.id ? mine : wrapped() }));
    expect((await gql(jane, SHARE.share, { teamId: orgId, id, keys })).data!.projectShare).toEqual({ id });
    expect((await gql(jane, SHARE.teams, { id })).data!.project.teams).toEqual([{ id: orgId, name: 'Acme' }]);
    expect((await gql(bob, Q.branch, { project: id, branch: 'master' })).data!.branch.snapshots).toHaveLength(1);

    expect((await gql(jane, SHARE.unshare, { id })).data!.projectUnShare).toEqual({ id });
    expect((await gql(bob, Q.branch, { project: id, branch: 'master' })).errors?.[0]?.message).toMatch(/invalid access/);
    expect((await gql(jane, Q.branch, { project: id, branch: 'master' })).data!.branch.snapshots).toHaveLength(1);
    const events = await h.db.query(`SELECT type FROM org_audit_events WHERE org_id = $1 AND subject = $2 ORDER BY id`, [orgId, id]);
    expect(events.rows.map((r) => r.type)).toEqual(['project.shared', 'project.unshared']);
  });
});

describe('what a plain member may not do to the team’s project', () => {
  const ARCHIVE = 'mutation ($id: ID!) { projectArchive(id: $id) }';
  const REMOVE = 'mutation ($project: ID!, $name: String!) { branchRemove(project: $project, name: $name) }';
  const UNSHARE = 'mutation ($id: ID!) { projectUnShare(id: $id) { id } }';

  it('archive, take back or drop master: refused for a member who did not create it; the team keeps it', async () => {
    const p = await newProject(); // created by Jane, the owner; Bob is a member
    for (const [query, vars] of [
      [ARCHIVE, { id: p.id }],
      [UNSHARE, { id: p.id }],
      [REMOVE, { project: p.id, name: 'master' }],
    ] as const) {
      const r = await gql(bob, query, vars);
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await gql(jane, Q.branch, { project: p.id, branch: 'master' })).data!.branch.snapshots).toEqual([p.first]);
    expect((await gql(bob, Q.project, { id: p.id })).data!.project).not.toBeNull();
  });

  it('a snapshot id reused with another parent or state is a conflict, not a silent keep', async () => {
    const p = await newProject();
    const base = sha1ish();
    await gql(jane, Q.snapshotsCreate, { project: p.id, branch: 'feat', snapshots: [{ id: base, parent: ROOT, created: new Date().toISOString(), name: 'base', state: [{ key: 'k', name: 'n', blob: p.blob }] }] });
    const forged = await gql(bob, Q.snapshotsCreate, {
      project: p.id,
      branch: 'feat',
      snapshots: [{ id: p.first, parent: base, created: new Date().toISOString(), name: 'forged', state: [{ key: 'k2', name: 'n2', blob: p.blob }] }],
    });
    expect(forged.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await gql(jane, Q.branch, { project: p.id, branch: 'feat' })).data!.branch.snapshots).toEqual([base]);
  });

  it('pushes racing a removal of their branch never fail with an internal error', async () => {
    const p = await newProject();
    const REMOVE_FEAT = { project: p.id, name: 'race' };
    const push = () =>
      gql(jane, Q.snapshotsCreate, { project: p.id, branch: 'race', snapshots: [{ id: sha1ish(), parent: ROOT, created: new Date().toISOString(), name: 'r', state: [{ key: 'k', name: 'n', blob: p.blob }] }] });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 3 === 2 ? gql(jane, REMOVE, REMOVE_FEAT) : push())));
    expect(results.filter((r) => r.errors?.[0]?.extensions?.code === 'INTERNAL')).toEqual([]);
  });
});

describe('the REST calls of the sync screens', () => {
  it('GET /v1/user/files lists the projects the caller holds a key for, with team project and org', async () => {
    const p = await newProject();
    const files = (await h.sync.call('GET', '/v1/user/files', undefined, jane.headers)).body as { id: string; teamProjectId: string; organizationId: string }[];
    expect(files.find((f) => f.id === p.id)).toEqual({ id: p.id, name: 'Payments API', projectId: p.id, teamProjectId: `proj_${orgId}`, organizationId: orgId });
    const eves = (await h.sync.call('GET', '/v1/user/files', undefined, eve.headers)).body as { id: string }[];
    expect(eves.map((f) => f.id)).not.toContain(p.id);
  });

  it('collaborators: each member sees the others present in the team project, never themselves', async () => {
    const path = `/v1/organizations/${orgId}/collaborators`;
    const here = { project: `proj_${orgId}`, file: 'wrk_payments' };
    expect((await h.sync.call('POST', path, here, jane.headers)).body).toEqual({ data: [] });
    const seen = (await h.sync.call('POST', path, here, bob.headers)).body.data;
    expect(seen).toEqual([expect.objectContaining({ acct: jane.id, file: 'wrk_payments', project: here.project, team: orgId })]);
    expect((await h.sync.call('POST', path, here, eve.headers)).status).toBe(404);
  });

  it('collaborators: a member naming a new file on every call is remembered on their 10 most recent only', async () => {
    const path = `/v1/organizations/${orgId}/collaborators`;
    for (let i = 0; i < 25; i++) expect((await h.sync.call('POST', path, { project: `proj_${orgId}`, file: `wrk_many_${i}` }, bob.headers)).status).toBe(200);
    const { rows } = await h.db.query('SELECT file_id FROM presence WHERE org_id = $1 AND account_id = $2 ORDER BY seen_at DESC, file_id', [orgId, bob.id]);
    expect(rows).toHaveLength(10);
    expect(rows.map((r: { file_id: string }) => r.file_id)).toContain('wrk_many_24');
    expect(rows.map((r: { file_id: string }) => r.file_id)).not.toContain('wrk_many_0');
  });
});

describe('access', () => {
  it('someone without a key learns nothing, and an unknown id answers the same', async () => {
    const p = await newProject();
    const ghost = randomId('prj');
    expect((await gql(eve, Q.project, { id: p.id })).data!.project).toBeNull();
    for (const [query, vars] of [
      [Q.branch, (id: string) => ({ project: id, branch: 'master' })],
      [Q.projectKey, (id: string) => ({ projectId: id })],
      [Q.blobs, (id: string) => ({ project: id, ids: [p.blob] })],
      [Q.snapshots, (id: string) => ({ project: id, ids: [p.first] })],
      [Q.blobsCreate, (id: string) => ({ project: id, blobs: [{ id: sha1ish(), content: fakeBlob() }] })],
    ] as const) {
      const real = await gql(eve, query, vars(p.id));
      const none = await gql(eve, query, vars(ghost));
      expect(real.errors?.[0]?.message).toMatch(/invalid access/);
      expect(real.errors).toEqual(none.errors);
    }
  });

  it('a removed member loses access on the next request; a revoked session gets nothing', async () => {
    const p = await newProject();
    expect((await h.invites.call('DELETE', `/v1/organizations/${orgId}/members/${bob.id}`, undefined, jane.headers)).status).toBe(200);
    expect((await gql(bob, Q.branch, { project: p.id, branch: 'master' })).errors?.[0]?.message).toMatch(/invalid access/);
    const none = await gql(null, Q.project, { id: p.id });
    expect(none.errors?.[0]?.message).toMatch(/invalid access/);
  });
});

describe('limits', () => {
  it('refuses documents over the limits, and bad blobs, with GraphQL errors', async () => {
    expect((await gql(jane, 'query { projects { teams { id name } } }')).errors).toBeUndefined();
    const aliases = `query { ${Array.from({ length: 11 }, (_, i) => `t${i}: teams { id }`).join(' ')} }`;
    expect((await gql(jane, aliases)).errors?.[0]?.message).toMatch(/aliases|fields/);
    expect((await gql(jane, 'query A { teams { id } } query B { teams { id } }')).errors?.[0]?.message).toMatch(/one operation/);
    const hidden = `query { ... on Query { ${Array.from({ length: 11 }, (_, i) => `teams${i}: teams { id }`).slice(0, 9).join(' ')} teams { id } projects { id } ...More } } fragment More on Query { x: teams { id } }`;
    expect((await gql(jane, hidden)).errors?.[0]?.message).toMatch(/more than 10 fields/);
    expect((await gql(jane, 'query { nonsense }')).errors?.[0]?.message).toMatch(/nonsense/);
    // Depth is counted through fragment spreads: each fragment alone is shallow, the query is not.
    const deepViaFragments = 'query { ...A } fragment A on Query { projects { ...B } } fragment B on Project { teams { ...C } } fragment C on Team { id { a { b { c { d } } } } }';
    expect((await gql(jane, deepViaFragments)).errors?.map((e) => e.message)).toContainEqual(expect.stringMatching(/deeper than 6 levels/));
    const p = await newProject();
    const tooMany = Array.from({ length: 201 }, () => ({ id: sha1ish(), content: fakeBlob() }));
    expect((await gql(jane, Q.blobsCreate, { project: p.id, blobs: tooMany })).errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await gql(jane, Q.blobsCreate, { project: p.id, blobs: [{ id: sha1ish(), content: 'plaintext!' }] })).errors?.[0]?.message).toMatch(/AESMessage/);
  });
});
