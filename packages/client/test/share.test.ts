/**
 * Sharing a personal project with a team and taking it back through the SDK (docs/protocol.md §7.2),
 * against the REAL stack (test/support/stack.ts) with two accounts of one team org. The requests are
 * recorded on their way to the real server, so the tests check that the share texts are exactly those
 * 2022.x Insomnia clients send (test/e2e/fixtures/insomnia-vcs-queries.ts) and that each member's copy
 * of the key opens with that member's private key.
 */
import {
  newProjectId,
  ProjectKeyUnwrapError,
  ProjectNotFoundError,
  SHARE_QUERIES,
  SyncGraphqlError,
  unwrapProjectKey,
  type ShareLabel,
  type SyncDocument,
} from '../src';
import { LEGACY_2022_QUERIES } from '../../../test/e2e/fixtures/insomnia-vcs-queries';
import { startTestStack, type TestStack } from '../../../test/support/stack';
import { graphqlRequests, signedUp, team, type SyncUser } from './sync-support';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { LOG_LEVEL: 'silent' } });
});
afterAll(async () => {
  await stack?.stop();
});

const SHARE_LABELS = Object.keys(SHARE_QUERIES) as ShareLabel[];

function documents(): SyncDocument[] {
  return [
    { _id: 'wrk_scratch', type: 'Workspace', name: 'Scratch', parentId: null },
    { _id: 'req_health', type: 'Request', name: 'Health check', parentId: 'wrk_scratch', method: 'GET', url: 'https://api.example.com/health' },
    { _id: 'env_base', type: 'Environment', name: 'Base environment', data: { token: 'not-so-secret' } },
  ];
}

const byId = (docs: readonly SyncDocument[]) => [...docs].sort((a, b) => (a._id < b._id ? -1 : 1));

async function personalOrg(user: SyncUser): Promise<string> {
  const personal = (await user.client.listOrgs()).find((o) => o.metadata.organizationType === 'personal');
  if (!personal) throw new Error(`${user.email} has no personal org`);
  return personal.id;
}

/** A new project in `user`'s personal org holding `documents()` on master. */
async function personalProject(user: SyncUser): Promise<string> {
  const { project } = await user.client.createProject({ orgId: await personalOrg(user), name: 'Scratch', publicJwk: user.keys.publicJwk });
  await user.client.push({ projectId: project.id, message: 'first', documents: documents(), keys: user.keys, base: null });
  return project.id;
}

describe('sharing a personal project with the team through the SDK (real stack)', () => {
  let a: SyncUser;
  let b: SyncUser;
  let orgId: string;
  beforeAll(async () => {
    a = await signedUp(stack, 'ann');
    b = await signedUp(stack, 'ben');
    orgId = await team(stack, a, b);
  });

  it('keeps its own copy of exactly the share texts 2022.x Insomnia clients send', () => {
    expect([...SHARE_LABELS].sort()).toEqual(['projectShare', 'projectShareInstructions', 'projectUnShare']);
    expect(SHARE_QUERIES).toEqual(Object.fromEntries(SHARE_LABELS.map((label) => [label, LEGACY_2022_QUERIES[label].query])));
  });

  it('B cannot pull A’s personal project until A shares it, gets identical documents after, and loses it when A takes it back', async () => {
    const projectId = await personalProject(a);
    expect(await b.client.pull({ projectId, keys: b.keys }).catch((e: unknown) => e)).toBeInstanceOf(ProjectNotFoundError);

    // ── A shares it into the team ──
    let mark = a.rec.requests.length;
    expect(await a.client.shareProject(projectId, orgId, a.keys)).toEqual({ projectId, orgId, sharedWith: [a.accountId, b.accountId] });
    const shared = graphqlRequests(a.rec.requests.slice(mark));
    expect(shared.map((r) => r.search)).toEqual(['?projectShareInstructions', '?projectShare']);
    for (const r of shared) {
      const label = r.search.slice(1) as ShareLabel;
      expect(r.body.query).toBe(LEGACY_2022_QUERIES[label].query);
      expect(LEGACY_2022_QUERIES[label].variables).toEqual(expect.arrayContaining(Object.keys(r.body.variables)));
      expect(r.status).toBe(200);
    }
    const share = shared[1]!.body.variables;
    expect(share).toMatchObject({ id: projectId, teamId: orgId });
    // one copy per member, each opening with that member's own private key to the same project key
    expect(share.keys.map((k: object) => Object.keys(k).sort())).toEqual([['accountId', 'encSymmetricKey'], ['accountId', 'encSymmetricKey']]);
    const keyOf = (user: SyncUser) => share.keys.find((k: { accountId: string }) => k.accountId === user.accountId).encSymmetricKey as string;
    expect(unwrapProjectKey(b.keys.privateJwk, keyOf(b))).toEqual(unwrapProjectKey(a.keys.privateJwk, keyOf(a)));

    // ── B pulls the same documents ──
    const pulled = await b.client.pull({ projectId, keys: b.keys });
    expect(pulled.documents).toEqual(byId(documents()));
    expect(pulled.snapshot).toMatchObject({ name: 'first', author: a.accountId });

    // ── A takes it back: B gets nothing, A keeps everything ──
    mark = a.rec.requests.length;
    expect(await a.client.unshareProject(projectId)).toEqual({ projectId });
    const unshared = graphqlRequests(a.rec.requests.slice(mark));
    expect(unshared.map((r) => [r.search, r.body.query, r.body.variables])).toEqual([['?projectUnShare', LEGACY_2022_QUERIES.projectUnShare.query, { id: projectId }]]);
    const gone = await b.client.pull({ projectId, keys: b.keys }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ProjectNotFoundError);
    expect((gone as Error).message).toMatch(/project not found or no access/);
    expect((await a.client.pull({ projectId, keys: a.keys })).documents).toEqual(byId(documents()));
  });

  it('a key that does not open with the caller’s private key is refused here, and nothing is shared', async () => {
    const projectId = await personalProject(a);
    const mark = a.rec.requests.length;
    const failed = await a.client.shareProject(projectId, orgId, { ...a.keys, privateJwk: b.keys.privateJwk }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ProjectKeyUnwrapError);
    expect((failed as Error).message).toBe(`the key of project ${projectId} held for this account does not open with its private key; nothing was shared`);
    expect(graphqlRequests(a.rec.requests.slice(mark)).map((r) => r.search)).toEqual(['?projectShareInstructions']);
    expect(await b.client.pull({ projectId, keys: b.keys }).catch((e: unknown) => e)).toBeInstanceOf(ProjectNotFoundError);
  });

  it('a share retried after it went through answers the same; the server’s refusal of an unknown project comes back as it is', async () => {
    const projectId = await personalProject(a);
    await a.client.shareProject(projectId, orgId, a.keys);
    // a retried share that already went through answers the same (a client that lost the answer retries)
    expect(await a.client.shareProject(projectId, orgId, a.keys)).toMatchObject({ projectId, orgId });
    const unknown = await a.client.shareProject(newProjectId(), orgId, a.keys).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(SyncGraphqlError);
    expect(unknown).toMatchObject({ label: 'projectShareInstructions' });
  });
});
