/**
 * The SDK's sync (docs/protocol.md §5) against the REAL stack (test/support/stack.ts: Postgres, every
 * function behind the gateway, an SMTP sink), with two accounts of one team org. Every HTTP request the
 * SDK sends is recorded on its way to the real server, so the tests check the wire: the labels and their
 * order, and that every query text is exactly what current Insomnia clients send
 * (test/e2e/fixtures/insomnia-vcs-queries.ts). What the server stores is read back as the superuser to
 * check that no document content reaches it in clear.
 *
 * The few hostile answers (a swapped blob, an altered snapshot, a stale branch) come from `tamperNext`:
 * the request reaches the real server and one real answer is altered on its way back.
 */
import { randomBytes } from 'node:crypto';
import { MAX_BLOB_CONTENT_PER_CALL, MAX_BLOBS_PER_CALL } from '@somnus/models';
import {
  BranchNotFoundError,
  canonicalJson,
  LocalChangesError,
  newProjectId,
  ProjectNotFoundError,
  SYNC_QUERIES,
  SyncConflictError,
  SyncGraphqlError,
  SyncIntegrityError,
  type SyncDocument,
} from '../src';
import { insomniaBlobId } from '../src/sync/blob-crypto';
import { CURRENT_QUERIES, PULL_ORDER, PUSH_ORDER, type CurrentLabel } from '../../../test/e2e/fixtures/insomnia-vcs-queries';
import { startTestStack, type TestStack } from '../../../test/support/stack';
import { databaseRows, graphqlRequests, labelRuns, signedUp, team, type SyncUser } from './sync-support';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { LOG_LEVEL: 'silent' } });
});
afterAll(async () => {
  await stack?.stop();
});

/**
 * The SDK's push order: Insomnia's (PUSH_ORDER) with `projectKey` moved before `missingBlobs`, because
 * the SDK's blob ids are keyed with the project key (see packages/client/src/sync/push.ts).
 */
const SDK_PUSH_ORDER: readonly CurrentLabel[] = PUSH_ORDER.filter((l) => l !== 'projectKey').flatMap((l) => (l === 'missingBlobs' ? ['projectKey', l] : [l])) as CurrentLabel[];
/** Pulls never create a project (Insomnia's would): a null `project` is an error. */
const SDK_PULL_ORDER: readonly CurrentLabel[] = PULL_ORDER.filter((l) => l !== 'teamMemberKeys' && l !== 'createProject');
const without = (order: readonly string[], ...labels: string[]) => order.filter((l) => !labels.includes(l));

/** Every GraphQL request the SDK sent is one of Insomnia's documents, word for word, with variables it declares. */
function expectInsomniaTexts(user: SyncUser): void {
  const requests = graphqlRequests(user.rec.requests);
  expect(requests.length).toBeGreaterThan(0);
  for (const r of requests) {
    const label = r.search.slice(1) as CurrentLabel;
    expect(CURRENT_QUERIES[label]).toBeDefined();
    expect(r.body.query).toBe(CURRENT_QUERIES[label].query);
    for (const name of Object.keys(r.body.variables)) expect(CURRENT_QUERIES[label].variables).toContain(name);
    expect(r.status).toBe(200);
  }
}

const CANARY = `canary-${randomBytes(12).toString('hex')}`;

function workspace(): SyncDocument[] {
  return [
    { _id: 'wrk_payments', type: 'Workspace', name: 'Payments API', parentId: null, description: 'internal' },
    {
      _id: 'req_charge',
      type: 'Request',
      name: 'Create charge',
      parentId: 'wrk_payments',
      method: 'POST',
      url: 'https://api.example.com/charges',
      headers: [{ name: 'Authorization', value: `Bearer ${CANARY}` }],
      body: { mimeType: 'application/json', text: '{"amount": 100}' },
    },
    { _id: 'env_base', type: 'Environment', name: 'Base environment', data: { token: CANARY, nested: { list: [1, 2.5, { deep: null }], flag: true } } },
    { _id: 'req_unicode', type: 'Request', name: 'Ünïcödé ✓', body: { text: 'é😀 — ok' } },
  ];
}

const byId = (docs: readonly SyncDocument[]) => [...docs].sort((a, b) => (a._id < b._id ? -1 : 1));

describe('sync through the SDK (real stack)', () => {
  let a: SyncUser;
  let b: SyncUser;
  let orgId: string;
  beforeAll(async () => {
    a = await signedUp(stack, 'ann');
    b = await signedUp(stack, 'ben');
    orgId = await team(stack, a, b);
  });

  it('keeps its own copy of exactly the query texts current Insomnia clients send', () => {
    expect(SYNC_QUERIES).toEqual(Object.fromEntries(Object.entries(CURRENT_QUERIES).map(([label, q]) => [label, q.query])));
  });

  it('A pushes, B pulls identical documents, B pushes on top, A pulls and sees it; nothing readable reaches the database', async () => {
    const projectId = newProjectId();
    const docs = workspace();

    // ── A's first push creates the project, with the key wrapped for both members ──
    let mark = a.rec.requests.length;
    const steps: string[] = [];
    const first = await a.client.push({ projectId, orgId, projectName: 'Payments', message: 'first', documents: docs, keys: a.keys, base: null, onProgress: (s, d, t) => steps.push(`${s} ${d}/${t}`) });
    expect(first).toMatchObject({ created: true, upToDate: false, branch: 'master', documents: 4, blobsUploaded: 4 });
    expect(first.project).toEqual({ id: projectId, name: 'Payments', rootDocumentId: '' });
    expect(steps).toEqual(['pushing blobs 4/4', 'pushing snapshots 1/1']);
    expect(labelRuns(a.rec.requests.slice(mark))).toEqual(SDK_PUSH_ORDER);
    // each request is labelled and authenticated; the only REST call is the whoami that names the caller
    // besides, the key check before wrapping for B (docs/key-authenticity.md §3): B's key history and, on first use, the signing key
    expect(a.rec.requests.slice(mark).map((r) => `${r.method} ${r.path}`).filter((r) => r !== 'POST /graphql')).toEqual([
      'GET /auth/whoami',
      `GET /v1/keys/accounts/${b.accountId}/history`,
      'GET /v1/keys/history-signing-key',
    ]);
    for (const r of graphqlRequests(a.rec.requests.slice(mark))) expect(r.headers['x-session-id']).toBe(a.client.sessionId);
    const create = graphqlRequests(a.rec.requests.slice(mark)).find((r) => r.search === '?createProject')!;
    expect(create.body.variables).toMatchObject({ id: projectId, name: 'Payments', teamId: orgId });
    expect(create.body.variables.teamKeys.map((k: { accountId: string }) => k.accountId).sort()).toEqual([a.accountId, b.accountId].sort());
    const pushed = graphqlRequests(a.rec.requests.slice(mark)).find((r) => r.search === '?snapshotsPush')!;
    const snapshot = pushed.body.variables.snapshots[0];
    expect(pushed.body.variables.branchName).toBe('master');
    expect(snapshot).toMatchObject({ id: first.head, parent: '0'.repeat(40), name: 'first' });
    expect(snapshot.state.map((e: { key: string }) => e.key)).toEqual(['env_base', 'req_charge', 'req_unicode', 'wrk_payments']);
    // blob contents as §5 describes them: a pretty-printed AESMessage
    const upload = graphqlRequests(a.rec.requests.slice(mark)).find((r) => r.search === '?blobsCreate')!;
    for (const blob of upload.body.variables.blobs) {
      expect(blob.id).toMatch(/^[0-9a-f]{40}$/);
      expect(Object.keys(JSON.parse(blob.content)).sort()).toEqual(['ad', 'd', 'iv', 't']);
      expect(blob.content).toContain('\n  "iv": "');
    }

    // ── B pulls the same documents ──
    mark = b.rec.requests.length;
    const pulled = await b.client.pull({ projectId, keys: b.keys });
    expect(pulled).toMatchObject({ head: first.head, branch: 'master', upToDate: false, blobsDownloaded: 4 });
    expect(pulled.documents).toEqual(byId(docs));
    expect(pulled.snapshot).toMatchObject({ name: 'first', author: a.accountId, authorAccount: { email: a.email } });
    expect(labelRuns(b.rec.requests.slice(mark))).toEqual(SDK_PULL_ORDER);
    expect(b.rec.requests.slice(mark).every((r) => r.path === '/graphql')).toBe(true);

    // ── B edits one document and pushes on top of what it pulled ──
    const edited = pulled.documents.map((d) => (d._id === 'req_charge' ? { ...d, url: 'https://api.example.com/v2/charges' } : d));
    mark = b.rec.requests.length;
    const second = await b.client.push({ projectId, message: 'v2 endpoint', documents: edited, keys: b.keys, base: pulled.head });
    expect(second).toMatchObject({ created: false, upToDate: false, blobsUploaded: 1 });
    expect(labelRuns(b.rec.requests.slice(mark))).toEqual(without(SDK_PUSH_ORDER, 'teamMemberKeys', 'createProject'));

    // ── A pulls: only the changed document travels ──
    mark = a.rec.requests.length;
    const again = await a.client.pull({ projectId, keys: a.keys, local: docs, base: first.head });
    expect(again).toMatchObject({ head: second.head, upToDate: false, blobsDownloaded: 1 });
    expect(again.documents).toEqual(byId(edited));
    expect(again.snapshot).toMatchObject({ name: 'v2 endpoint', parent: first.head, authorAccount: { email: b.email } });
    expect(labelRuns(a.rec.requests.slice(mark))).toEqual(SDK_PULL_ORDER);

    // history and branches
    expect(await a.client.branches(projectId)).toEqual(['master']);
    const log = await a.client.log(projectId);
    expect(log.map((s) => [s.id, s.name, s.authorAccount?.email])).toEqual([
      [first.head, 'first', a.email],
      [second.head, 'v2 endpoint', b.email],
    ]);
    expectInsomniaTexts(a);
    expectInsomniaTexts(b);

    // ── what the server holds: names and ids in clear (by protocol), contents never ──
    const rows = await databaseRows(stack);
    const tables = new Set(rows.filter((r) => r.row.includes(projectId)).map((r) => r.table));
    for (const t of ['projects', 'project_keys', 'vcs_blobs', 'vcs_snapshots', 'vcs_branches']) expect(tables).toContain(t);
    expect(rows.some((r) => r.table === 'vcs_snapshots' && r.row.includes('Create charge'))).toBe(true);
    const forms = [CANARY, Buffer.from(CANARY).toString('hex'), Buffer.from(CANARY).toString('base64'), 'api.example.com', 'amount'];
    for (const form of forms) expect(rows.filter((r) => r.row.includes(form))).toEqual([]);
    // Insomnia's blob ids (SHA-1 of the plaintext) would let the database confirm a guessed document; ours do not appear
    for (const doc of [...docs, ...edited]) expect(rows.filter((r) => r.row.includes(insomniaBlobId(canonicalJson(doc))))).toEqual([]);
  });

  it('refuses to push over history it has not pulled, before uploading anything; the server refuses a racing push too', async () => {
    const projectId = newProjectId();
    const docs = workspace();
    const first = await a.client.push({ projectId, orgId, message: 'one', documents: docs, keys: a.keys, base: null });
    const bDocs = docs.map((d) => (d._id === 'env_base' ? { ...d, name: 'Renamed by B' } : d));
    await b.client.push({ projectId, message: 'two', documents: bDocs, keys: b.keys, base: first.head });

    // A still thinks the head is `first`
    let mark = a.rec.requests.length;
    const stale = docs.map((d) => (d._id === 'req_unicode' ? { ...d, name: 'A was here' } : d));
    const err = await a.client.push({ projectId, message: 'three', documents: stale, keys: a.keys, base: first.head }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncConflictError);
    expect((err as Error).message).toMatch(/pull first/);
    expect(labelRuns(a.rec.requests.slice(mark))).toEqual(['project', 'branch']);
    expect(await a.client.push({ projectId, message: 'x', documents: stale, keys: a.keys, base: null }).catch((e: unknown) => e)).toBeInstanceOf(SyncConflictError);

    // a push that raced another one: the branch A read is already stale when the snapshot arrives
    mark = a.rec.requests.length;
    a.rec.tamperNext('POST /graphql?branch', (real) => ({ status: 200, body: { data: { branch: { ...real.body.data.branch, snapshots: [first.head] } } } }));
    const raced = await a.client.push({ projectId, message: 'three', documents: stale, keys: a.keys }).catch((e: unknown) => e);
    expect(a.rec.pendingTampers()).toBe(0);
    expect(raced).toBeInstanceOf(SyncConflictError);
    expect(labelRuns(a.rec.requests.slice(mark)).at(-1)).toBe('snapshotsPush');
    expect((await a.client.log(projectId)).map((s) => s.name)).toEqual(['one', 'two']);

    // and a pull does not overwrite local edits made on top of a head that has moved on
    mark = a.rec.requests.length;
    const refused = await a.client.pull({ projectId, keys: a.keys, local: stale, base: first.head }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LocalChangesError);
    expect(labelRuns(a.rec.requests.slice(mark))).toEqual(['project', 'branch', 'snapshots', 'projectKey']);
    // without local edits the same pull goes through
    expect((await a.client.pull({ projectId, keys: a.keys, local: docs, base: first.head })).documents).toEqual(byId(bDocs));
  });

  it('says "already up to date" without uploading when the documents are the head', async () => {
    const projectId = newProjectId();
    const first = await a.client.push({ projectId, orgId, message: 'one', documents: workspace(), keys: a.keys });
    const mark = a.rec.requests.length;
    const same = await a.client.push({ projectId, message: 'again', documents: [...workspace()].reverse(), keys: a.keys, base: first.head });
    expect(same).toMatchObject({ upToDate: true, head: first.head, blobsUploaded: 0 });
    expect(labelRuns(a.rec.requests.slice(mark))).toEqual(['project', 'branch', 'projectKey']);
    const pulled = await a.client.pull({ projectId, keys: a.keys, local: workspace(), base: first.head });
    expect(pulled).toMatchObject({ upToDate: true, blobsDownloaded: 0 });
  });

  it('uploads in batches of at most 200 blobs and the content cap, and reads blobs 50 at a time', async () => {
    const projectId = newProjectId();
    const many: SyncDocument[] = Array.from({ length: 230 }, (_, i) => ({ _id: `req_${String(i).padStart(3, '0')}`, name: `Request ${i}`, url: `https://example.com/${i}` }));
    // incompressible content: twelve documents of ~300 KB each are well over the 4.5 MB cap once encrypted (hex)
    const big: SyncDocument[] = Array.from({ length: 12 }, (_, i) => ({ _id: `big_${i}`, name: `Big ${i}`, data: randomBytes(225_000).toString('base64') }));
    let mark = a.rec.requests.length;
    const steps: string[] = [];
    await a.client.push({ projectId, orgId, message: 'bulk', documents: [...many, ...big], keys: a.keys, onProgress: (s, d, t) => steps.push(`${s} ${d}/${t}`) });
    const uploads = graphqlRequests(a.rec.requests.slice(mark)).filter((r) => r.search === '?blobsCreate');
    expect(uploads.length).toBeGreaterThanOrEqual(3);
    for (const u of uploads) {
      const blobs = u.body.variables.blobs as Array<{ content: string }>;
      expect(blobs.length).toBeLessThanOrEqual(MAX_BLOBS_PER_CALL);
      expect(blobs.reduce((n, x) => n + x.content.length, 0)).toBeLessThanOrEqual(MAX_BLOB_CONTENT_PER_CALL);
    }
    expect(uploads.reduce((n, u) => n + u.body.variables.blobs.length, 0)).toBe(242);
    expect(steps.filter((s) => s.startsWith('pushing blobs')).at(-1)).toBe('pushing blobs 242/242');

    mark = b.rec.requests.length;
    const pulled = await b.client.pull({ projectId, keys: b.keys });
    expect(pulled.documents).toEqual(byId([...many, ...big]));
    const reads = graphqlRequests(b.rec.requests.slice(mark)).filter((r) => r.search === '?blobs');
    expect(reads.map((r) => r.body.variables.ids.length)).toEqual([50, 50, 50, 50, 42]);
  });

  it('reads large documents in smaller parts when the server says a read of 50 is too large to answer at once', async () => {
    const projectId = newProjectId();
    // five incompressible documents of ~2.7 MB of ciphertext hex each: together more than one blobs answer carries
    const large: SyncDocument[] = Array.from({ length: 5 }, (_, i) => ({ _id: `large_${i}`, name: `Large ${i}`, data: randomBytes(1_000_000).toString('base64') }));
    await a.client.push({ projectId, orgId, message: 'large', documents: large, keys: a.keys });
    const mark = b.rec.requests.length;
    const pulled = await b.client.pull({ projectId, keys: b.keys });
    expect(pulled.documents).toEqual(byId(large));
    const reads = graphqlRequests(b.rec.requests.slice(mark)).filter((r) => r.search === '?blobs').map((r) => r.body.variables.ids.length);
    expect(reads[0]).toBe(5);
    expect(reads.slice(1).reduce((n, k) => n + k, 0)).toBe(5);
    expect(Math.max(...reads.slice(1))).toBeLessThan(5);
  });

  it('refuses what a hostile server could alter: swapped blobs, another state under the head id', async () => {
    const projectId = newProjectId();
    await a.client.push({ projectId, orgId, message: 'one', documents: workspace(), keys: a.keys });

    b.rec.tamperNext('POST /graphql?blobs', (real) => {
      const [x, y, ...rest] = real.body.data.blobs as Array<{ id: string; content: string }>;
      return { status: 200, body: { data: { blobs: [{ id: x!.id, content: y!.content }, { id: y!.id, content: x!.content }, ...rest] } } };
    });
    const swapped = await b.client.pull({ projectId, keys: b.keys }).catch((e: unknown) => e);
    expect(swapped).toBeInstanceOf(SyncIntegrityError);
    expect((swapped as Error).message).toMatch(/does not hold the document/);
    expect(b.rec.pendingTampers()).toBe(0);

    b.rec.tamperNext('POST /graphql?snapshots', (real) => {
      const [s] = real.body.data.snapshots;
      return { status: 200, body: { data: { snapshots: [{ ...s, state: s.state.slice(1) }] } } };
    });
    const altered = await b.client.pull({ projectId, keys: b.keys }).catch((e: unknown) => e);
    expect(altered).toBeInstanceOf(SyncIntegrityError);
    expect((altered as Error).message).toMatch(/does not match its id/);
    expect(b.rec.pendingTampers()).toBe(0);
  });

  it('createProject uses GraphQL: teamMemberKeys, then projectCreate with a key for every member', async () => {
    const mark = a.rec.requests.length;
    const { project, projectKey, sharedWith } = await a.client.createProject({ orgId, name: 'Billing API', publicJwk: a.keys.publicJwk, rootDocumentId: 'wrk_billing' });
    expect(project).toEqual({ id: expect.stringMatching(/^prj_[0-9a-f]{32}$/), name: 'Billing API', rootDocumentId: 'wrk_billing' });
    expect(sharedWith[0]).toBe(a.accountId);
    expect([...sharedWith].sort()).toEqual([a.accountId, b.accountId].sort());
    expect(a.rec.requests.slice(mark).map((r) => `${r.method} ${r.path}${r.search}`)).toEqual([
      'GET /auth/whoami',
      'POST /graphql?teamMemberKeys',
      `GET /v1/keys/accounts/${b.accountId}/history`, // checked before wrapping (docs/key-authenticity.md §3)
      'POST /graphql?createProject',
    ]);
    expectInsomniaTexts(a);
    // both members hold the same key, and the project is listed
    expect(await b.client.projectKey(orgId, project.id, b.keys.privateJwk)).toEqual(projectKey);
    expect((await a.client.projects(orgId)).map((p) => p.id)).toContain(project.id);
    // it has no branch yet; once B pushes, A reads B's documents
    expect(await a.client.pull({ projectId: project.id, keys: a.keys }).catch((e: unknown) => e)).toBeInstanceOf(BranchNotFoundError);
    await b.client.push({ projectId: project.id, message: 'from B', documents: workspace(), keys: b.keys, base: null });
    expect((await a.client.pull({ projectId: project.id, keys: a.keys })).documents).toEqual(byId(workspace()));
  });

  it('a stranger learns nothing: pull finds no project, and push cannot take the id over', async () => {
    const projectId = newProjectId();
    await a.client.push({ projectId, orgId, message: 'one', documents: workspace(), keys: a.keys });
    const carol = await signedUp(stack, 'carol');
    const pulled = await carol.client.pull({ projectId, keys: carol.keys }).catch((e: unknown) => e);
    expect(pulled).toBeInstanceOf(ProjectNotFoundError);
    expect((pulled as Error).message).toMatch(/project not found or no access/);
    const [personal] = await carol.client.listOrgs();
    const pushed = await carol.client.push({ projectId, orgId: personal!.id, message: 'mine', documents: workspace(), keys: carol.keys }).catch((e: unknown) => e);
    expect(pushed).toBeInstanceOf(SyncGraphqlError);
    expect(pushed).toMatchObject({ label: 'createProject', code: 'PROJECT_EXISTS' });
    expect(await carol.client.branches(projectId).catch((e: unknown) => e)).toBeInstanceOf(ProjectNotFoundError);
  });
});
