/**
 * Sync as Insomnia's apps drive it, end to end through the gateway (test/support/stack.ts): every GraphQL
 * request is `POST /graphql?<label>` with one of the exact query texts real clients send
 * (./fixtures/insomnia-vcs-queries.ts), carrying only the variables that text declares, in the order of
 * the client's push and pull (PUSH_ORDER / PULL_ORDER; docs/protocol.md §5). The whole scenario runs once
 * with the texts of current clients and once with those of 2021/2022 clients (§5a), which also share a
 * personal project with a team through the trio of §7.2.
 *
 * The crypto is the apps' own, so every pull proves that the other member can read what was pushed: a
 * fresh AES-256-GCM project key RSA-OAEP-wrapped for each member's public key, blobs as gzip + AES-GCM
 * AESMessages named by the SHA-1 of their plaintext, snapshot ids as Insomnia computes them (§2, §5).
 * Accounts, orgs and invitations are set up with the SDK as users do; sync itself is raw HTTP.
 */
import {
  decryptRSAWithJWK,
  encryptRSAWithJWK,
  generateAesJwk,
  parseAesJwk,
  parseRsaPublicJwk,
  type AccountKeys,
  type AesJwk,
} from '@somnus/crypto';
import { canonicalJson, newProjectId, ROOT_PARENT, snapshotId, SomnusClient, type SyncDocument } from '@somnus/client';
import { insomniaBlobId, openBlob, sealBlob } from '@somnus/client/src/sync/blob-crypto';
import { latestVerificationMail } from '../support/accounts';
import { extractCode } from '../support/smtp';
import { startTestStack, type TestStack } from '../support/stack';
import {
  CURRENT_QUERIES,
  LEGACY_2022_QUERIES,
  PULL_ORDER,
  PUSH_ORDER,
  type CurrentLabel,
  type Legacy2022Label,
  type VcsQuery,
} from './fixtures/insomnia-vcs-queries';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { LOG_LEVEL: 'silent' } });
});
afterAll(async () => {
  await stack?.stop();
});

// ─── the two eras ─────────────────────────────────────────────────────────────────────────────

interface Era {
  name: string;
  /** X-Insomnia-Client of a release that sends these texts (docs/protocol.md §1). */
  clientName: string;
  queries: Readonly<Partial<Record<Legacy2022Label, VcsQuery>>>;
}

const ERAS: Era[] = [
  { name: 'current clients (10.1.1)', clientName: 'production::linux::10.1.1', queries: CURRENT_QUERIES },
  { name: '2021/2022 clients (2022.4.2)', clientName: 'production::linux::2022.4.2', queries: LEGACY_2022_QUERIES },
];

const BRANCH = 'master';
/** The app's batch sizes (the fixture's header on PUSH_ORDER / PULL_ORDER). */
const SNAPSHOTS_PER_CALL = 20;
const BLOBS_PER_READ = 50;
const BLOBS_PER_UPLOAD = 200;

// ─── accounts, set up with the SDK ──────────────────────────────────────────────────────────────

const PASS = 'correct horse battery staple';
let n = 0;
const newEmail = (tag: string) => `${tag}.${process.pid}.${++n}@example.com`;

interface User {
  email: string;
  accountId: string;
  session: string;
  client: SomnusClient;
  keys: AccountKeys;
}

/** Signs up and logs in; the address is verified by the invitation's link, or else by the verification email's code. */
async function signedUp(tag: string, email = newEmail(tag), invite?: string): Promise<User> {
  const client = new SomnusClient({ baseUrl: stack.baseUrl });
  const { accountId, isVerified } = await client.signup({ email, passphrase: PASS, invite });
  await client.login({ email, passphrase: PASS });
  if (!isVerified) await client.verifyEmail(extractCode(await latestVerificationMail(stack.smtp, email)));
  const session = client.sessionId;
  if (!session) throw new Error('login left no session');
  return { email, accountId, session, client, keys: await client.unwrapKeys(PASS) };
}

/** `member` joins `owner`'s org through an emailed invitation, as a user does. */
async function joins(owner: User, member: User, orgId: string): Promise<void> {
  const { invitation } = await owner.client.invite(orgId, member.email, 'member', owner.keys);
  await member.client.acceptInvite(invitation.id);
}

// ─── the wire ───────────────────────────────────────────────────────────────────────────────────

interface Team {
  id: string;
  name: string;
}
interface RemoteProject {
  id: string;
  name: string;
  rootDocumentId: string;
}
interface MemberKey {
  accountId: string;
  publicKey: string;
  /** Asked for by current clients only. */
  autoLinked?: boolean;
}
interface Branch {
  name: string;
  created: string;
  modified: string;
  snapshots: string[];
}
interface StateEntry {
  key: string;
  name: string;
  blob: string;
}
interface Snapshot {
  id: string;
  parent: string;
  created: string;
  author: string;
  authorAccount: { firstName: string | null; lastName: string | null; email: string | null } | null;
  name: string;
  description: string;
  state: StateEntry[];
}

/** The `data` each label's text asks for (docs/protocol.md §5, §7.2). */
interface Answers {
  projects: { projects: Array<RemoteProject & { teams: Team[] }> };
  project: { project: RemoteProject | null };
  'project.teams': { project: { teams: Team[] } | null };
  projectKey: { projectKey: { encSymmetricKey: string } | null };
  teamMemberKeys: { teamMemberKeys: { memberKeys: MemberKey[] } };
  branch: { branch: Branch | null };
  snapshots: { snapshots: Snapshot[] };
  blobs: { blobs: Array<{ id: string; content: string }> };
  missingBlobs: { blobsMissing: { missing: string[] } };
  createProject: { projectCreate: RemoteProject };
  blobsCreate: { blobsCreate: { count: number } };
  snapshotsPush: { snapshotsCreate: Snapshot[] };
  teams: { teams: Team[] };
  projectShareInstructions: { projectShareInstructions: { teamId: string; projectKey: { encSymmetricKey: string }; memberKeys: MemberKey[] } };
  projectShare: { projectShare: { id: string } };
}
type Label = keyof Answers;

interface GraphqlAnswer {
  status: number;
  contentType: string | null;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; path?: unknown[]; extensions?: { code?: string } }> };
}

/** A request the app would stop at: anything but a 200 JSON answer without `errors`. */
class WireError extends Error {
  constructor(
    readonly label: string,
    readonly answer: GraphqlAnswer,
  ) {
    super(`${label}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  }
}

/**
 * One request as the app sends it: the label in the URL, the era's text, and of `variables` only those the
 * text declares (so each era's client passes the same intent with the variables it knows; undefined ones
 * are dropped by JSON, as in the app).
 */
async function post(era: Era, user: User, label: Label, variables: Record<string, unknown>): Promise<GraphqlAnswer> {
  const q = era.queries[label];
  if (!q) throw new Error(`${era.name} send no ${label}`);
  const declared = Object.fromEntries(q.variables.filter((v) => v in variables).map((v) => [v, variables[v]]));
  const res = await fetch(`${stack.baseUrl}/graphql?${label}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Session-Id': user.session, 'X-Insomnia-Client': era.clientName },
    body: JSON.stringify({ query: q.query, variables: declared }),
  });
  return { status: res.status, contentType: res.headers.get('content-type'), body: (await res.json()) as GraphqlAnswer['body'] };
}

/** Clients up to 2022.4 parse an answer only if its content type is exactly this (docs/protocol.md §1). */
const JSON_TYPE = 'application/json';

async function gql<L extends Label>(era: Era, user: User, label: L, variables: Record<string, unknown>): Promise<Answers[L]> {
  const answer = await post(era, user, label, variables);
  if (answer.status !== 200 || answer.contentType !== JSON_TYPE || answer.body.errors !== undefined || !answer.body.data) throw new WireError(label, answer);
  return answer.body.data as Answers[L];
}

// ─── an Insomnia app, for one workspace ─────────────────────────────────────────────────────────

interface ProjectRef extends RemoteProject {
  /** The org (`teamId`); absent for a 2021 client's personal project. */
  teamId?: string;
  /** Sent by current clients only (their createProject and projects texts declare it). */
  teamProjectId?: string;
}

const chunks = <T>(xs: readonly T[], size: number): T[][] => Array.from({ length: Math.ceil(xs.length / size) }, (_, i) => xs.slice(i * size, (i + 1) * size));

/** [a, a, b, a] → [a, b, a]: a label repeated in a row is one step of the order (blobs ×n). */
function runs(labels: readonly string[]): string[] {
  return labels.filter((l, i) => l !== labels[i - 1]);
}
const without = (order: readonly CurrentLabel[], ...skipped: CurrentLabel[]) => order.filter((l) => !skipped.includes(l));
/** The order once the project exists: no teamMemberKeys + createProject. */
const PUSH_EXISTING = without(PUSH_ORDER, 'teamMemberKeys', 'createProject');
const PULL_EXISTING = without(PULL_ORDER, 'teamMemberKeys', 'createProject');

const byId = (docs: readonly SyncDocument[]) => [...docs].sort((a, b) => (a._id < b._id ? -1 : 1));

function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(what);
  return value;
}

/** Runs one step per label of `order`, as the app's push and pull do; a step may send 0..n requests. */
async function walk(order: readonly CurrentLabel[], steps: Partial<Record<CurrentLabel, () => Promise<void>>>): Promise<void> {
  for (const label of order) await present(steps[label], `no step for ${label}`)();
}

/**
 * What the app keeps locally for one workspace linked to `project`: the snapshots and blobs it has seen
 * and the branch history it is on. `push` commits `documents` on top of that history and pushes;
 * `pull` brings the remote branch's head in. Every request is recorded in `labels`.
 */
function insomnia(era: Era, user: User, project: ProjectRef) {
  const labels: string[] = [];
  const blobs = new Map<string, string>();
  const snapshots = new Map<string, Snapshot>();
  let history: string[] = [];

  const send = <L extends Label>(label: L, variables: Record<string, unknown>) => {
    labels.push(label);
    return gql(era, user, label, variables);
  };
  const raw = (label: Label, variables: Record<string, unknown>) => {
    labels.push(label);
    return post(era, user, label, variables);
  };
  const openKey = async (): Promise<AesJwk> => {
    const { projectKey } = await send('projectKey', { projectId: project.id });
    return parseAesJwk(JSON.parse(decryptRSAWithJWK(user.keys.privateJwk, present(projectKey, 'no project key').encSymmetricKey)));
  };
  const documentsAt = (snapshot: Snapshot): SyncDocument[] =>
    byId(snapshot.state.map((e) => JSON.parse(present(blobs.get(e.blob), `blob ${e.blob} not pulled`)) as SyncDocument));

  /** `project`, and when it answers null, `teamMemberKeys` + `createProject`: the first steps of push and pull alike. */
  function projectSteps() {
    let found = false;
    let members: MemberKey[] = [];
    return {
      project: async () => {
        const remote = (await send('project', { id: project.id })).project;
        found = remote !== null;
        if (remote) expect(remote).toEqual({ id: project.id, name: project.name, rootDocumentId: project.rootDocumentId });
      },
      teamMemberKeys: async () => {
        // a 2021 personal project has no team to ask
        if (found || !project.teamId) return;
        members = (await send('teamMemberKeys', { teamId: project.teamId })).teamMemberKeys.memberKeys;
        expect(members.map((m) => m.accountId)).toContain(user.accountId);
      },
      createProject: async () => {
        if (found) return;
        const key = generateAesJwk();
        const wrapFor = (publicKey: string) => encryptRSAWithJWK(parseRsaPublicJwk(JSON.parse(publicKey)), JSON.stringify(key));
        const created = await send('createProject', {
          name: project.name,
          id: project.id,
          rootDocumentId: project.rootDocumentId,
          teamId: project.teamId,
          teamProjectId: project.teamProjectId,
          // current apps pass autoLinked on as teamMemberKeys gave it; 2022 apps never asked for it
          teamKeys: project.teamId ? members.map(({ publicKey, ...member }) => ({ ...member, encSymmetricKey: wrapFor(publicKey) })) : undefined,
          encSymmetricKey: project.teamId ? undefined : encryptRSAWithJWK(user.keys.publicJwk, JSON.stringify(key)),
        });
        expect(created.projectCreate).toEqual({ id: project.id, name: project.name, rootDocumentId: project.rootDocumentId });
      },
    };
  }

  return {
    labels,
    /** Any other request of the app (listing projects, sharing), recorded like the rest. */
    send,
    /** A request whose refusal is the point; its answer as it came. */
    raw,

    async push(documents: readonly SyncDocument[], message: string) {
      const mark = labels.length;
      const texts = new Map(documents.map((doc) => [insomniaBlobId(canonicalJson(doc)), canonicalJson(doc)]));
      const state: StateEntry[] = documents.map((doc) => ({ key: doc._id, name: String(doc.name), blob: insomniaBlobId(canonicalJson(doc)) }));
      const parent = history.at(-1) ?? ROOT_PARENT;
      const snapshot = { id: snapshotId(project.id, parent, state), parent, created: new Date().toISOString(), author: user.accountId, name: message, description: '', state };
      let missing: string[] = [];
      let key: AesJwk | undefined;
      let pushed: Snapshot[] = [];
      await walk(PUSH_ORDER, {
        ...projectSteps(),
        branch: async () => {
          const remote = (await send('branch', { projectId: project.id, branch: BRANCH })).branch?.snapshots ?? [];
          if (remote.some((id, i) => history[i] !== id)) throw new Error('Remote history conflict');
        },
        missingBlobs: async () => {
          missing = (await send('missingBlobs', { projectId: project.id, ids: [...texts.keys()] })).blobsMissing.missing;
        },
        projectKey: async () => {
          key = await openKey();
        },
        blobsCreate: async () => {
          for (const ids of chunks(missing, BLOBS_PER_UPLOAD)) {
            const upload = ids.map((id) => ({ id, content: sealBlob(present(key, 'no key'), present(texts.get(id), `unknown blob ${id}`)) }));
            expect((await send('blobsCreate', { projectId: project.id, blobs: upload })).blobsCreate).toEqual({ count: ids.length });
          }
        },
        snapshotsPush: async () => {
          pushed = (await send('snapshotsPush', { projectId: project.id, snapshots: [snapshot], branchName: BRANCH })).snapshotsCreate;
        },
      });
      const stored = present(pushed[0], 'snapshotsCreate answered no snapshot');
      expect(pushed).toHaveLength(1);
      expect(stored).toMatchObject({ id: snapshot.id, parent, author: user.accountId, authorAccount: { email: user.email }, name: message, state });
      for (const [id, text] of texts) blobs.set(id, text);
      snapshots.set(stored.id, stored);
      history = [...history, stored.id];
      return { snapshot: stored, uploaded: missing.length, labels: runs(labels.slice(mark)) };
    },

    async pull() {
      const mark = labels.length;
      let remote: string[] = [];
      let key: AesJwk | undefined;
      let downloaded = 0;
      await walk(PULL_ORDER, {
        ...projectSteps(),
        branch: async () => {
          remote = present((await send('branch', { projectId: project.id, branch: BRANCH })).branch, `The remote branch "${BRANCH}" does not exist`).snapshots;
        },
        snapshots: async () => {
          for (const ids of chunks(remote.filter((id) => !snapshots.has(id)), SNAPSHOTS_PER_CALL)) {
            for (const s of (await send('snapshots', { ids, projectId: project.id })).snapshots) snapshots.set(s.id, s);
          }
          // each is the child of the one before it, and its id commits to its state
          remote.forEach((id, i) => {
            const s = present(snapshots.get(id), `snapshot ${id} not pulled`);
            expect(s.parent).toBe(remote[i - 1] ?? ROOT_PARENT);
            expect(snapshotId(project.id, s.parent, s.state)).toBe(id);
          });
        },
        projectKey: async () => {
          key = await openKey();
        },
        blobs: async () => {
          const head = present(snapshots.get(present(remote.at(-1), 'empty branch')), 'no head');
          const unknown = [...new Set(head.state.map((e) => e.blob))].filter((id) => !blobs.has(id));
          for (const ids of chunks(unknown, BLOBS_PER_READ)) {
            const got = (await send('blobs', { ids, projectId: project.id })).blobs;
            expect(got.map((b) => b.id).sort()).toEqual([...ids].sort());
            for (const b of got) {
              const text = openBlob(present(key, 'no key'), b.content);
              // named by the SHA-1 of its plaintext: the server could not have swapped one for another
              expect(insomniaBlobId(text)).toBe(b.id);
              blobs.set(b.id, text);
              downloaded++;
            }
          }
        },
      });
      history = remote;
      const head = present(snapshots.get(present(remote.at(-1), 'empty branch')), 'no head');
      return { head, documents: documentsAt(head), downloaded, labels: runs(labels.slice(mark)) };
    },
  };
}

/** The team project current apps put a new project in (docs/protocol.md §5); 2022 apps know none. */
async function teamProjectOf(era: Era, user: User, orgId: string): Promise<string | undefined> {
  if (!era.queries.createProject?.variables.includes('teamProjectId')) return undefined;
  const res = await fetch(`${stack.baseUrl}/v1/organizations/${orgId}/team-projects`, { headers: { 'X-Session-Id': user.session } });
  expect(res.status).toBe(200);
  const { data } = (await res.json()) as { data: Array<{ id: string; name: string }> };
  return present(data[0], 'no team project').id;
}

/** A new workspace to sync into `orgId`. */
async function newTeamProject(era: Era, user: User, orgId: string, name: string): Promise<ProjectRef> {
  return { id: newProjectId(), name, rootDocumentId: `wrk_${name.toLowerCase().replace(/\W+/g, '_')}`, teamId: orgId, teamProjectId: await teamProjectOf(era, user, orgId) };
}

/** How a member's app finds a remote project: the team's list (`projects`), whose `teams[0]` it uses. */
async function findRemote(era: Era, user: User, team: Team, projectId: string): Promise<ProjectRef> {
  const teamProjectId = await teamProjectOf(era, user, team.id);
  const listed = (await gql(era, user, 'projects', { teamId: team.id, teamProjectId })).projects;
  const found = present(
    listed.find((p) => p.id === projectId),
    `${projectId} is not among the team's projects`,
  );
  expect(found.teams[0]).toEqual(team);
  return { id: found.id, name: found.name, rootDocumentId: found.rootDocumentId, teamId: team.id, teamProjectId };
}

function workspace(tag: string): SyncDocument[] {
  return [
    { _id: `wrk_${tag}`, type: 'Workspace', name: `${tag} API`, parentId: null, description: 'internal' },
    {
      _id: `req_${tag}_charge`,
      type: 'Request',
      parentId: `wrk_${tag}`,
      name: 'Create charge',
      method: 'POST',
      url: 'https://api.example.com/charges',
      headers: [{ name: 'Authorization', value: 'Bearer s3cr3t' }],
      body: { mimeType: 'application/json', text: '{"amount": 100}' },
    },
    { _id: `env_${tag}`, type: 'Environment', parentId: `wrk_${tag}`, name: 'Base environment', data: { token: 's3cr3t', nested: [1, 2.5, { deep: null }] } },
    { _id: `req_${tag}_unicode`, type: 'Request', parentId: `wrk_${tag}`, name: 'Ünïcödé ✓', body: { text: 'é😀 — ok' } },
  ];
}

const edit = (docs: readonly SyncDocument[], id: string, change: Record<string, unknown>) => docs.map((d) => (d._id === id ? { ...d, ...change } : d));

// ─── the scenarios ──────────────────────────────────────────────────────────────────────────────

describe.each(ERAS)('sync with the exact texts of $name', (era) => {
  let jane: User;
  let bob: User;
  let team: Team;
  beforeAll(async () => {
    jane = await signedUp('jane');
    bob = await signedUp('bob');
    const org = await jane.client.createOrg(`Acme ${era.name}`);
    team = { id: org.id, name: org.name };
    await joins(jane, bob, team.id);
  });

  it('two members push, pull, commit on top and pull again, each decrypting what the other wrote', async () => {
    const docs = workspace('payments');
    const ref = await newTeamProject(era, jane, team.id, 'Payments');
    const janeApp = insomnia(era, jane, ref);

    // Jane's first push creates the project with its key wrapped for both members
    const first = await janeApp.push(docs, 'first');
    expect(first.labels).toEqual(PUSH_ORDER);
    expect(first.uploaded).toBe(docs.length);
    expect(first.snapshot.parent).toBe(ROOT_PARENT);

    // Bob's app finds it in the team's list, pulls and reads Jane's documents
    const bobApp = insomnia(era, bob, await findRemote(era, bob, team, ref.id));
    const pulled = await bobApp.pull();
    expect(pulled.labels).toEqual(PULL_EXISTING);
    expect(pulled.downloaded).toBe(docs.length);
    expect(pulled.documents).toEqual(byId(docs));
    expect(pulled.head).toMatchObject({ id: first.snapshot.id, name: 'first', author: jane.accountId, authorAccount: { email: jane.email } });

    // Bob commits on top: only the changed document is uploaded
    const edited = edit(pulled.documents, 'req_payments_charge', { url: 'https://api.example.com/v2/charges' });
    const second = await bobApp.push(edited, 'v2 endpoint');
    expect(second.labels).toEqual(PUSH_EXISTING);
    expect(second.uploaded).toBe(1);
    expect(second.snapshot).toMatchObject({ parent: first.snapshot.id, author: bob.accountId });

    // Jane pulls Bob's commit and reads his document
    const again = await janeApp.pull();
    expect(again.labels).toEqual(PULL_EXISTING);
    expect(again.downloaded).toBe(1);
    expect(again.documents).toEqual(byId(edited));
    expect(again.head).toMatchObject({ id: second.snapshot.id, parent: first.snapshot.id, name: 'v2 endpoint', authorAccount: { email: bob.email } });

    // nothing new: a second pull downloads nothing
    expect((await bobApp.pull()).downloaded).toBe(0);
  });

  // the trio is in the 2022 tree only; its last callers were 2021 releases (docs/protocol.md §5a, §7.2)
  if (era.queries.projectShare) {
    it('a 2021 app shares a personal project with the team (teams, projectShareInstructions, projectShare); both members then sync it', async () => {
      const personal = present(
        (await jane.client.listOrgs()).find((o) => o.metadata.organizationType === 'personal'),
        'Jane has no personal org',
      );
      const docs = workspace('personal');
      // no teamId: createProject carries the key wrapped for Jane alone in encSymmetricKey
      const ref: ProjectRef = { id: newProjectId(), name: 'Personal', rootDocumentId: 'wrk_personal' };
      const janeApp = insomnia(era, jane, ref);
      const first = await janeApp.push(docs, 'mine');
      expect(first.labels).toEqual(without(PUSH_ORDER, 'teamMemberKeys'));
      expect((await janeApp.send('project.teams', { id: ref.id })).project).toEqual({ teams: [{ id: personal.id, name: personal.name }] });
      expect((await gql(era, bob, 'project', { id: ref.id })).project).toBeNull();

      // Jane picks the team, opens her copy of the key and wraps it for every member
      expect((await janeApp.send('teams', {})).teams).toContainEqual(team);
      const how = (await janeApp.send('projectShareInstructions', { id: ref.id, teamId: team.id })).projectShareInstructions;
      expect(how.teamId).toBe(team.id);
      expect(how.memberKeys.map((m) => m.accountId).sort()).toEqual([jane.accountId, bob.accountId].sort());
      const key = parseAesJwk(JSON.parse(decryptRSAWithJWK(jane.keys.privateJwk, how.projectKey.encSymmetricKey)));
      const keys = how.memberKeys.map(({ accountId, publicKey }) => ({
        accountId,
        encSymmetricKey: encryptRSAWithJWK(parseRsaPublicJwk(JSON.parse(publicKey)), JSON.stringify(key)),
      }));
      expect((await janeApp.send('projectShare', { id: ref.id, teamId: team.id, keys })).projectShare).toEqual({ id: ref.id });
      expect((await janeApp.send('project.teams', { id: ref.id })).project).toEqual({ teams: [team] });

      // Bob finds it under the team, reads it and commits on top
      const bobApp = insomnia(era, bob, await findRemote(era, bob, team, ref.id));
      const pulled = await bobApp.pull();
      expect(pulled.labels).toEqual(PULL_EXISTING);
      expect(pulled.documents).toEqual(byId(docs));
      const edited = edit(pulled.documents, 'env_personal', { name: 'Shared environment' });
      const second = await bobApp.push(edited, 'from Bob');
      expect(second.labels).toEqual(PUSH_EXISTING);
      expect(second.snapshot).toMatchObject({ parent: first.snapshot.id, author: bob.accountId });

      // Jane's app, still linked to what was her personal project, pulls Bob's commit
      const again = await janeApp.pull();
      expect(again.labels).toEqual(PULL_EXISTING);
      expect(again.documents).toEqual(byId(edited));
      expect(again.head).toMatchObject({ id: second.snapshot.id, name: 'from Bob', authorAccount: { email: bob.email } });
    });
  }

  it('a member who joined later reads a team project once an admin has re-shared the keys', async () => {
    // an org of its own, so the re-share below has exactly one key to hand out
    const org = await jane.client.createOrg(`Late joiners ${era.name}`);
    const lateTeam: Team = { id: org.id, name: org.name };
    await joins(jane, bob, lateTeam.id);
    const docs = workspace('billing');
    const ref = await newTeamProject(era, jane, lateTeam.id, 'Billing');
    const janeApp = insomnia(era, jane, ref);
    const first = await janeApp.push(docs, 'before Carol');
    expect(first.labels).toEqual(PUSH_ORDER);

    // Carol is invited before she has an account, so no key can travel with the invitation
    const carolEmail = newEmail('carol');
    expect(await jane.client.invite(lateTeam.id, carolEmail, 'member', jane.keys)).toMatchObject({ inviteeHasAccount: false, projectsShared: 0 });
    // she signs up from the invitation's link, which verifies her address
    const mail = await stack.smtp.waitForMessage((m) => m.to.includes(carolEmail.toLowerCase()) && /invited you/.test(m.subject));
    const carol = await signedUp('carol', carolEmail, /https?:\/\/\S+\/app\/invite\/\?invite=[0-9a-f]{64}/.exec(mail.text)![0]);
    const [invitation] = await carol.client.myInvites();
    expect(await carol.client.acceptInvite(present(invitation, 'no invitation for Carol').id)).toEqual({
      organizationId: lateTeam.id,
      role: 'member',
      projectKeys: 0,
    });

    // a member without a key is answered exactly as for a project that does not exist
    const carolApp = insomnia(era, carol, { ...ref });
    const teamProjectId = await teamProjectOf(era, carol, lateTeam.id);
    expect((await carolApp.send('projects', { teamId: lateTeam.id, teamProjectId })).projects).toEqual([]);
    const blobIds = first.snapshot.state.map((e) => e.blob);
    const probes: Array<[Label, (id: string) => Record<string, unknown>]> = [
      ['project', (id) => ({ id })],
      ['projectKey', (id) => ({ projectId: id })],
      ['branch', (id) => ({ projectId: id, branch: BRANCH })],
      ['blobs', (id) => ({ ids: blobIds, projectId: id })],
    ];
    const nowhere = newProjectId();
    for (const [label, variables] of probes) {
      const answer = await carolApp.raw(label, variables(ref.id));
      expect(answer).toEqual(await carolApp.raw(label, variables(nowhere)));
      expect(answer.status).toBe(200);
      if (label === 'project') expect(answer.body).toEqual({ data: { project: null } });
      else expect(answer.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'NOT_FOUND' } })]);
    }
    // told the project is not there, her app tries to create it under that id, which is refused
    const mark = carolApp.labels.length;
    await expect(carolApp.pull()).rejects.toMatchObject({ label: 'createProject', answer: { status: 200, body: { errors: [{ extensions: { code: 'PROJECT_EXISTS' } }] } } });
    expect(carolApp.labels.slice(mark)).toEqual(['project', 'teamMemberKeys', 'createProject']);

    // a project whose maker wrapped copies that open for nobody: Jane's reshare names it and shares the rest
    const broken = await newTeamProject(era, jane, lateTeam.id, 'Broken');
    const garbage = 'ab'.repeat(256);
    await gql(era, jane, 'createProject', { ...broken, teamKeys: (await jane.client.members(lateTeam.id)).map((m) => ({ accountId: m.user_id, encSymmetricKey: garbage })) });

    // Jane's SDK wraps the key for Carol (my-project-keys + reconcile-keys); Carol's app pulls and reads
    expect(await jane.client.reshareKeys(lateTeam.id, jane.keys)).toEqual({ shared: [{ projectId: ref.id, accountId: carol.accountId }], skipped: [], unopenable: [broken.id] });
    expect((await carolApp.send('projects', { teamId: lateTeam.id, teamProjectId })).projects.map((p) => p.id).sort()).toEqual([ref.id, broken.id].sort());
    const pulled = await carolApp.pull();
    expect(pulled.labels).toEqual(PULL_EXISTING);
    expect(pulled.documents).toEqual(byId(docs));
    expect(pulled.head).toMatchObject({ id: first.snapshot.id, authorAccount: { email: jane.email } });
  });
});
