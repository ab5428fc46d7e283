/**
 * Sync storage through the local gateway on real Postgres, two accounts in one org, as Insomnia uses it:
 *
 * (a) throughput: push 10,000 blobs of 2 KB (AESMessage JSON, as the client uploads them) in blobsCreate
 *     batches of 200, then pull them as the teammate with `blobs` in chunks of 50, one call after the
 *     other as the client does. Baseline in the same run: the repository's own INSERT and SELECT
 *     (insertBlobs, findBlobs) over one raw `pg` connection as the migrator, same rows, same batch sizes,
 *     into another project of the same table: no HTTP, GraphQL, session, transaction or RLS. The two go
 *     call by call, side by side. Prints both throughputs and ours/baseline for push and pull (target ≥ 0.5).
 *     A third side shows what the HTTP layer alone costs: a bare functions-framework function that takes
 *     the same request bodies and answers the same bytes from memory (no database, no GraphQL, no
 *     session). Its ratio to raw pg is the ceiling any function reached over HTTP could have here, and
 *     raw pg / (bare + raw pg) is what a function doing nothing but the baseline's one query would reach.
 *     The client's blobsMissing before uploading is left out: it sends every id in one call, and 10,000
 *     is more than the 1,000 ids one call may ask.
 * (b) incremental pull: a project of 1,000 blobs (100 snapshots of history) and one of 100,000 blobs
 *     (1,000 snapshots), their rows made by SQL as the migrator. Each round, the first account pushes 10
 *     snapshots with 2 new blobs each to both projects through the gateway; the teammate then pulls what it
 *     does not have, as the client does: branch → snapshots of the 10 unknown ids (chunks of 20) → blobs
 *     of the 20 unknown blob ids (chunks of 50). Only the pull is timed; the client's `project` and
 *     `projectKey` calls, the same for both projects, are left out. Prints the median pull of each project
 *     and big/small (target ≤ 1.3): a pull must cost what is new, not what the project holds — except the
 *     branch's list of snapshot ids, which the protocol sends whole, so the big history is 10× longer.
 *
 * The server (gateway + functions) runs in this process; the clients, and the baseline's `pg` connection,
 * run in a child process (this file again, with `client`), as real clients would.
 *
 * Run: `pnpm bench sync` (or `pnpm tsx test/bench/sync.ts`). BENCH_SYNC_BLOBS, BENCH_SYNC_BIG and
 * BENCH_SYNC_ROUNDS change the sizes.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { http as registerHttp } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { Client } from 'pg';
import { findBlobs, insertBlobs } from '@somnus/db';
import { loadOrCreateSecrets, MIGRATOR_USER, startSmtpSink, startStack } from '@somnus/dev';
import { api, listen, type Api } from '../support/api';
import { login, newAccount, verifyEmail } from '../support/accounts';
import { CURRENT_QUERIES as Q } from '../e2e/fixtures/insomnia-vcs-queries';

const BLOBS = Number(process.env.BENCH_SYNC_BLOBS ?? 10_000);
const BLOB_BYTES = 2048;
/** Insomnia's upload batch (≤ 200 blobs or ~2 MB) and download chunks (50 blobs, 20 snapshots). */
const PUSH_BATCH = 200;
const PULL_CHUNK = 50;
const SNAPSHOT_CHUNK = 20;
const SMALL = { blobs: 1_000, snapshots: 100 };
const BIG = { blobs: Number(process.env.BENCH_SYNC_BIG ?? 100_000), snapshots: 1_000 };
const ROUNDS = Number(process.env.BENCH_SYNC_ROUNDS ?? 20);
/** Pulls timed per round: the same 10 snapshots, as a client that pulled and lost the result would. */
const PULLS_PER_ROUND = 5;
const NEW_SNAPSHOTS = 10;
const NEW_BLOBS_PER_SNAPSHOT = 2;
/** Unchanged documents in each new snapshot's state: blobs the puller has already. */
const UNCHANGED_ENTRIES = 18;

const sha1ish = () => randomBytes(20).toString('hex');

/** An AESMessage as the client uploads it (pretty-printed JSON, hex fields) of exactly `bytes` characters. */
function aesContent(bytes: number): string {
  const shape = (d: string) => JSON.stringify({ iv: randomBytes(12).toString('hex'), t: randomBytes(16).toString('hex'), d, ad: '' }, null, 2);
  const room = bytes - shape('').length;
  return shape(randomBytes(Math.ceil(room / 2)).toString('hex').slice(0, room - (room % 2)));
}

const chunks = <T>(all: T[], size: number): T[][] => Array.from({ length: Math.ceil(all.length / size) }, (_, i) => all.slice(i * size, (i + 1) * size));

interface StateEntry {
  key: string;
  name: string;
  blob: string;
}

// ─── the client process ───────────────────────────────────────────────────────────────────────────────

interface Who {
  headers: Record<string, string>;
}

export type SyncJob =
  | {
      kind: 'throughput';
      baseUrl: string;
      /** the bare functions-framework function (no database) */
      bareUrl: string;
      migratorUrl: string;
      orgId: string;
      pusher: Who;
      puller: Who;
      /** ours: through the gateway; baseline: raw pg; warm: the warm-up of both */
      projects: { ours: string; baseline: string; warmOurs: string; warmBaseline: string };
    }
  | {
      kind: 'incremental';
      baseUrl: string;
      pusher: Who;
      puller: Who;
      projects: { label: string; id: string; head: string; knownSnapshots: string[]; knownBlobs: string[]; unchanged: StateEntry[] }[];
    };

type Sides = 'ours' | 'baseline' | 'bare';
export type ThroughputResult = Record<Sides, { pushSeconds: number; pullSeconds: number }>;

export interface PullSample {
  total: number;
  branch: number;
  snapshots: number;
  blobs: number;
  branchLength: number;
}

export type IncrementalResult = Record<string, PullSample[]>;

/** One GraphQL call as Insomnia makes it: the label in the query string, one operation, errors are fatal. */
async function gql(http: Api, who: Who, label: keyof typeof Q, variables: Record<string, unknown>): Promise<any> {
  const r = await http.post(`/graphql?${label}`, { query: Q[label].query, variables }, who.headers);
  if (r.status !== 200 || r.body?.errors) throw new Error(`${label}: ${r.status} ${r.text.slice(0, 500)}`);
  return r.body.data;
}

async function throughput(job: Extract<SyncJob, { kind: 'throughput' }>): Promise<ThroughputResult> {
  // no contract check: the bench measures the server, and checking 10,000 blobs would load the client
  const http = api(job.baseUrl, {}, { checked: false });
  const db = new Client({ connectionString: job.migratorUrl });
  await db.connect();
  const blobs = Array.from({ length: BLOBS }, () => ({ id: sha1ish(), content: aesContent(BLOB_BYTES) }));
  const expectAll = (got: { id: string; content: string }[][], what: string) => {
    const n = got.flat().length;
    const chars = got.flat().reduce((s, b) => s + b.content.length, 0);
    if (n !== blobs.length || chars !== blobs.length * BLOB_BYTES) throw new Error(`${what}: ${n} blobs, ${chars} characters back`);
  };

  type Blob = (typeof blobs)[number];
  const ours = {
    push: async (project: string, batch: Blob[]) => {
      const { blobsCreate } = await gql(http, job.pusher, 'blobsCreate', { projectId: project, blobs: batch });
      if (blobsCreate.count !== batch.length) throw new Error(`blobsCreate stored ${blobsCreate.count} of ${batch.length}`);
    },
    pull: async (project: string, ids: string[]): Promise<Blob[]> => (await gql(http, job.puller, 'blobs', { ids, projectId: project })).blobs,
  };
  const baseline = {
    push: async (project: string, batch: Blob[]) => void (await insertBlobs(db, job.orgId, project, batch)),
    pull: (project: string, ids: string[]) => findBlobs(db, project, ids),
  };

  /** The bare function: same HTTP requests, answered from what it was sent before (../bench: no database). */
  const bareHttp = api(job.bareUrl, {}, { checked: false });
  const bare = {
    push: async (_project: string, batch: Blob[]) => {
      const r = await bareHttp.post('/graphql?blobsCreate', { query: Q.blobsCreate.query, variables: { projectId: 'bare', blobs: batch } });
      if (r.body?.data?.blobsCreate?.count !== batch.length) throw new Error(`bare push: ${r.status}`);
    },
    pull: async (_project: string, ids: string[]): Promise<Blob[]> =>
      (await bareHttp.post('/graphql?blobs', { query: Q.blobs.query, variables: { ids, projectId: 'bare' } })).body.data.blobs,
  };

  /**
   * Each call made by every side in turn (which side goes first rotates), the time of each side summed:
   * all see the same moments of the machine (checkpoints, autovacuum, the other processes), which one
   * whole run after the other would not.
   */
  const interleaved = async <A, R>(args: A[], calls: Record<Sides, (a: A) => Promise<R>>) => {
    const sides = Object.keys(calls) as Sides[];
    const out = Object.fromEntries(sides.map((k) => [k, { seconds: 0, results: [] as R[] }])) as Record<Sides, { seconds: number; results: R[] }>;
    for (const [i, a] of args.entries()) {
      for (let j = 0; j < sides.length; j++) {
        const side = sides[(i + j) % sides.length]!;
        const started = performance.now();
        out[side].results.push(await calls[side](a));
        out[side].seconds += (performance.now() - started) / 1000;
      }
    }
    return out;
  };
  const batches = chunks(blobs, PUSH_BATCH);
  const idChunks = chunks(blobs.map((b) => b.id), PULL_CHUNK);

  // warm-up: connections, JIT, the functions' first requests, on projects of their own
  await interleaved(batches.slice(0, 2), {
    ours: (b) => ours.push(job.projects.warmOurs, b),
    baseline: (b) => baseline.push(job.projects.warmBaseline, b),
    bare: (b) => bare.push('', b),
  });
  await interleaved(idChunks.slice(0, 8), {
    ours: (ids) => ours.pull(job.projects.warmOurs, ids),
    baseline: (ids) => baseline.pull(job.projects.warmBaseline, ids),
    bare: (ids) => bare.pull('', ids),
  });

  const push = await interleaved(batches, {
    ours: (b) => ours.push(job.projects.ours, b),
    baseline: (b) => baseline.push(job.projects.baseline, b),
    bare: (b) => bare.push('', b),
  });
  const pull = await interleaved(idChunks, {
    ours: (ids) => ours.pull(job.projects.ours, ids),
    baseline: (ids) => baseline.pull(job.projects.baseline, ids),
    bare: (ids) => bare.pull('', ids),
  });
  for (const side of ['ours', 'baseline', 'bare'] as const) expectAll(pull[side].results, side);
  await db.end();
  const seconds = (side: Sides) => ({ pushSeconds: push[side].seconds, pullSeconds: pull[side].seconds });
  return { ours: seconds('ours'), baseline: seconds('baseline'), bare: seconds('bare') };
}

async function incremental(job: Extract<SyncJob, { kind: 'incremental' }>): Promise<IncrementalResult> {
  const http = api(job.baseUrl, {}, { checked: false });
  const projects = job.projects.map((p) => ({ ...p, knownSnapshots: new Set(p.knownSnapshots), knownBlobs: new Set(p.knownBlobs) }));
  const samples: IncrementalResult = Object.fromEntries(projects.map((p) => [p.label, []]));

  /** The first account commits 10 times and pushes, as the client does: blobs first, then the snapshots. */
  const push = async (p: (typeof projects)[number], round: number) => {
    const blobs: { id: string; content: string }[] = [];
    const snapshots = [];
    for (let s = 0; s < NEW_SNAPSHOTS; s++) {
      const fresh = Array.from({ length: NEW_BLOBS_PER_SNAPSHOT }, (_, i) => ({ key: `req_r${round}_s${s}_${i}`, name: `Request ${round}.${s}.${i}`, blob: sha1ish() }));
      for (const e of fresh) blobs.push({ id: e.blob, content: aesContent(BLOB_BYTES) });
      const id = sha1ish();
      snapshots.push({ id, parent: p.head, created: new Date().toISOString(), name: `Round ${round} commit ${s}`, description: '', author: '', state: [...p.unchanged, ...fresh] });
      p.head = id;
    }
    await gql(http, job.pusher, 'blobsCreate', { projectId: p.id, blobs });
    await gql(http, job.pusher, 'snapshotsPush', { projectId: p.id, snapshots, branchName: 'master' });
  };

  /** The teammate's pull of what it does not have yet; `learn` stores it, as the client does at the end. */
  const pull = async (p: (typeof projects)[number], learn: boolean): Promise<PullSample> => {
    const t0 = performance.now();
    const { branch } = await gql(http, job.puller, 'branch', { projectId: p.id, branch: 'master' });
    const unknown = (branch.snapshots as string[]).filter((id) => !p.knownSnapshots.has(id));
    const t1 = performance.now();
    const snapshots: { id: string; state: StateEntry[] }[] = [];
    for (const ids of chunks(unknown, SNAPSHOT_CHUNK)) snapshots.push(...(await gql(http, job.puller, 'snapshots', { ids, projectId: p.id })).snapshots);
    const wanted = [...new Set(snapshots.flatMap((s) => s.state.map((e) => e.blob)).filter((b) => !p.knownBlobs.has(b)))];
    const t2 = performance.now();
    let blobs = 0;
    for (const ids of chunks(wanted, PULL_CHUNK)) blobs += (await gql(http, job.puller, 'blobs', { ids, projectId: p.id })).blobs.length;
    const t3 = performance.now();
    if (snapshots.length !== NEW_SNAPSHOTS || blobs !== NEW_SNAPSHOTS * NEW_BLOBS_PER_SNAPSHOT) throw new Error(`${p.label}: pulled ${snapshots.length} snapshots and ${blobs} blobs`);
    if (learn) {
      for (const s of snapshots) p.knownSnapshots.add(s.id);
      for (const b of wanted) p.knownBlobs.add(b);
    }
    return { total: t3 - t0, branch: t1 - t0, snapshots: t2 - t1, blobs: t3 - t2, branchLength: branch.snapshots.length };
  };

  // round 0 warms up (connections, JIT, first plans) and is not counted; the order alternates by round
  for (let round = 0; round <= ROUNDS; round++) {
    const order = round % 2 ? [...projects].reverse() : projects;
    for (const p of order) await push(p, round);
    for (let i = 0; i < PULLS_PER_ROUND; i++) {
      for (const p of order) {
        const sample = await pull(p, i === PULLS_PER_ROUND - 1);
        if (round > 0) samples[p.label]!.push(sample);
      }
    }
  }
  return samples;
}

/**
 * Runs one job in a client process (this file with `client`). The job goes over IPC (it can be megabytes),
 * once the child says it listens: a message sent before that could be lost.
 */
function runClient<R>(job: SyncJob): Promise<R> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['client'], { execArgv: ['--import', 'tsx'] });
    child.on('message', (m: { ready?: true; result?: R }) => (m.ready ? child.send(job) : resolve(m.result!)));
    child.on('error', reject);
    child.on('exit', (code) => code !== 0 && reject(new Error(`sync client exited with ${code}`)));
  });
}

// ─── the server process ───────────────────────────────────────────────────────────────────────────────

interface Account {
  id: string;
  email: string;
  headers: Record<string, string>;
}

async function ok(res: Promise<{ status: number; text: string; body: any }>, what: string) {
  const r = await res;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text}`);
  return r.body;
}

async function signup(http: Api, name: string): Promise<Account> {
  const email = `${name}-${randomBytes(3).toString('hex')}@bench.example.com`;
  const account = await newAccount(email, 'bench passphrase');
  const { accountId } = await ok(http.post('/auth/signup', account.signupBody), 'signup');
  const session = await login(http, email, 'bench passphrase');
  if (!session.token) throw new Error(`login failed: ${session.status}`);
  return { id: accountId, email: account.email, headers: { 'X-Session-Id': session.token } };
}

/** A VCS project created as the client creates it: a key for every member of the org. */
async function createProject(http: Api, owner: Account, orgId: string, members: Account[], name: string): Promise<string> {
  const id = `prj_${randomBytes(16).toString('hex')}`;
  const teamKeys = members.map((m) => ({ accountId: m.id, encSymmetricKey: randomBytes(256).toString('hex'), autoLinked: false }));
  await gql(http, owner, 'createProject', { name, id, rootDocumentId: `wrk_${randomBytes(8).toString('hex')}`, teamId: orgId, teamProjectId: `proj_${orgId}`, teamKeys });
  return id;
}

/**
 * A project's history made directly in the tables as the migrator: `blobs` blobs, a chain of `snapshots`
 * snapshots on master, each naming the blobs it introduced. Not the measured part: going through the API
 * would take minutes for 100,000 blobs.
 */
async function fillHistory(db: Client, orgId: string, projectId: string, authorId: string, size: { blobs: number; snapshots: number }) {
  const blobIds: string[] = [];
  for (let done = 0; done < size.blobs; ) {
    const n = Math.min(5_000, size.blobs - done);
    const batch = Array.from({ length: n }, () => ({ id: sha1ish(), content: aesContent(BLOB_BYTES) }));
    await insertBlobs(db, orgId, projectId, batch);
    blobIds.push(...batch.map((b) => b.id));
    done += n;
  }
  const perSnapshot = Math.ceil(size.blobs / size.snapshots);
  const snapshotIds = Array.from({ length: size.snapshots }, sha1ish);
  const states = snapshotIds.map((_, i) => blobIds.slice(i * perSnapshot, (i + 1) * perSnapshot).map((blob, j) => ({ key: `req_${i * perSnapshot + j}`, name: `Request ${i * perSnapshot + j}`, blob })));
  const start = Date.now() - size.snapshots * 60_000;
  await db.query(
    `INSERT INTO vcs_snapshots (org_id, project_id, id, parent, created, author_account_id, name, description, state)
     SELECT $1, $2, s.id, s.parent, s.created, $3, s.name, '', s.state
       FROM unnest($4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::jsonb[]) AS s(id, parent, created, name, state)`,
    [
      orgId,
      projectId,
      authorId,
      snapshotIds,
      snapshotIds.map((_, i) => (i === 0 ? '0'.repeat(40) : snapshotIds[i - 1]!)),
      snapshotIds.map((_, i) => new Date(start + i * 60_000)),
      snapshotIds.map((_, i) => `Commit ${i}`),
      states.map((s) => JSON.stringify(s)),
    ],
  );
  await db.query(`INSERT INTO vcs_branches (org_id, project_id, name, snapshots) VALUES ($1, $2, 'master', $3)`, [orgId, projectId, snapshotIds]);
  // the documents of the last commits, unchanged in the new ones: blobs the puller already holds
  const unchanged = states.flat().slice(-UNCHANGED_ENTRIES);
  return { head: snapshotIds.at(-1)!, knownSnapshots: snapshotIds, knownBlobs: blobIds, unchanged };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;
const n = (x: number) => x.toLocaleString('en-US');

/**
 * The bare side of (a): a functions-framework function taking the same GraphQL requests and answering
 * blobsCreate and blobs from a Map, the bytes the real pull returns, without a database, GraphQL
 * execution, session or transaction. Its name is returned for getTestServer.
 */
function bareFunction(): string {
  const held = new Map<string, string>();
  registerHttp('bench-sync-bare', (req, res) => {
    const { variables } = req.body as { variables: { blobs?: { id: string; content: string }[]; ids?: string[] } };
    if (variables.blobs) {
      for (const b of variables.blobs) held.set(b.id, b.content);
      res.json({ data: { blobsCreate: { count: variables.blobs.length } } });
    } else {
      res.json({ data: { blobs: (variables.ids ?? []).map((id) => ({ id, content: held.get(id) ?? '' })) } });
    }
  });
  return 'bench-sync-bare';
}

export interface SyncBenchResult {
  push: { ours: number; baseline: number; ratio: number; bareRatio: number; floorRatio: number };
  pull: { ours: number; baseline: number; ratio: number; bareRatio: number; floorRatio: number };
  incremental: { small: number; big: number; ratio: number };
}

export async function main(): Promise<SyncBenchResult> {
  const savedEnv = { ...process.env };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-bench-'));
  fs.chmodSync(dataDir, 0o755); // Postgres may run as the `postgres` user and must reach inside
  // an in-memory mail sink instead of the stack's own, so the invite's code can be read back
  const smtp = await startSmtpSink({ port: 0 });
  process.env.SMTP_URL = smtp.url;
  const stack = await startStack({ dataDir, port: 0, log: () => undefined, logRequests: false });
  process.env.LOG_LEVEL = 'warn';
  try {
    const http = api(stack.baseUrl);
    // the stack's functions connect as the app role; the baseline and the bulk setup as the migrator
    const migrator = new URL(process.env.DATABASE_URL!);
    migrator.username = MIGRATOR_USER;
    migrator.password = (await loadOrCreateSecrets(dataDir)).secrets.migratorPassword;
    const migratorUrl = migrator.toString();

    const [jane, bob] = [await signup(http, 'jane'), await signup(http, 'bob')];
    // only a verified account sends invitations: Jane follows the link of her verification email
    await verifyEmail(http, smtp, jane.email);
    const org = await ok(http.post('/v1/organizations', { name: 'Bench' }, jane.headers), 'create org');
    const orgId: string = org.id;
    const invite = await ok(http.post(`/v1/organizations/${orgId}/invites`, { inviteeId: bob.id, inviteeEmail: bob.email }, jane.headers), 'invite');
    // accepting asks for a verified address: Bob follows the link of his verification email
    await verifyEmail(http, smtp, bob.email);
    await ok(http.post(`/v1/invites/${invite.id}/accept`, undefined, bob.headers), 'accept');
    const members = [jane, bob];
    const who = (a: Account): Who => ({ headers: a.headers });

    // ── (a) throughput
    const projects = {
      ours: await createProject(http, jane, orgId, members, 'Bench push'),
      baseline: await createProject(http, jane, orgId, members, 'Bench baseline'),
      warmOurs: await createProject(http, jane, orgId, members, 'Bench warm-up'),
      warmBaseline: await createProject(http, jane, orgId, members, 'Bench warm-up baseline'),
    };
    const bare = await listen(getTestServer(bareFunction()));
    const t = await runClient<ThroughputResult>({ kind: 'throughput', baseUrl: stack.baseUrl, bareUrl: bare.baseUrl, migratorUrl, orgId, pusher: who(jane), puller: who(bob), projects });
    await bare.close();
    const mb = (BLOBS * BLOB_BYTES) / 1e6;
    const rate = (seconds: number) => BLOBS / seconds;
    const push = { ours: rate(t.ours.pushSeconds), baseline: rate(t.baseline.pushSeconds), ratio: t.baseline.pushSeconds / t.ours.pushSeconds, bareRatio: t.baseline.pushSeconds / t.bare.pushSeconds, floorRatio: t.baseline.pushSeconds / (t.bare.pushSeconds + t.baseline.pushSeconds) };
    const pull = { ours: rate(t.ours.pullSeconds), baseline: rate(t.baseline.pullSeconds), ratio: t.baseline.pullSeconds / t.ours.pullSeconds, bareRatio: t.baseline.pullSeconds / t.bare.pullSeconds, floorRatio: t.baseline.pullSeconds / (t.bare.pullSeconds + t.baseline.pullSeconds) };
    const line = (label: string, secs: number) =>
      `  ${label.padEnd(52)} ${n(Math.round(rate(secs))).padStart(7)} blobs/s ${(mb / secs).toFixed(1).padStart(6)} MB/s  (${secs.toFixed(2)} s)`;
    console.log(`sync (a): ${n(BLOBS)} blobs of ${BLOB_BYTES} B (${mb.toFixed(1)} MB), one call after another (ours, baseline and bare in turn), ${os.cpus().length} cores`);
    console.log(line(`push ours: blobsCreate × ${Math.ceil(BLOBS / PUSH_BATCH)} of ${PUSH_BATCH}, gateway`, t.ours.pushSeconds));
    console.log(line(`push baseline: insertBlobs × ${Math.ceil(BLOBS / PUSH_BATCH)} of ${PUSH_BATCH}, raw pg`, t.baseline.pushSeconds));
    console.log(line(`pull ours: blobs × ${Math.ceil(BLOBS / PULL_CHUNK)} of ${PULL_CHUNK}, gateway`, t.ours.pullSeconds));
    console.log(line(`pull baseline: findBlobs × ${Math.ceil(BLOBS / PULL_CHUNK)} of ${PULL_CHUNK}, raw pg`, t.baseline.pullSeconds));
    console.log(line(`push, bare functions-framework (no database)`, t.bare.pushSeconds));
    console.log(line(`pull, bare functions-framework (no database)`, t.bare.pullSeconds));

    // ── (b) incremental pull
    const setupStarted = performance.now();
    const small = await createProject(http, jane, orgId, members, 'Bench small');
    const big = await createProject(http, jane, orgId, members, 'Bench big');
    const db = new Client({ connectionString: migratorUrl });
    await db.connect();
    const smallRows = await fillHistory(db, orgId, small, jane.id, SMALL);
    const bigRows = await fillHistory(db, orgId, big, jane.id, BIG);
    // a settled table, as autovacuum leaves it: statistics for the planner, hint bits and visibility map set
    await db.query('VACUUM (ANALYZE) vcs_blobs, vcs_snapshots, vcs_branches');
    await db.end();
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    const samples = await runClient<IncrementalResult>({
      kind: 'incremental',
      baseUrl: stack.baseUrl,
      pusher: who(jane),
      puller: who(bob),
      projects: [
        { label: 'small', id: small, ...smallRows },
        { label: 'big', id: big, ...bigRows },
      ],
    });
    const s = samples.small!;
    const b = samples.big!;
    const med = (xs: PullSample[], k: keyof PullSample) => median(xs.map((x) => x[k]));
    console.log(
      `sync (b): incremental pull of ${NEW_SNAPSHOTS} new snapshots (${NEW_SNAPSHOTS * NEW_BLOBS_PER_SNAPSHOT} new blobs), ` +
        `${ROUNDS} rounds × ${PULLS_PER_ROUND} pulls per project (setup by SQL ${setupSeconds.toFixed(1)} s)`,
    );
    for (const [label, size, xs] of [
      ['small', SMALL, s],
      ['big', BIG, b],
    ] as const) {
      console.log(
        `  ${label.padEnd(5)} ${n(size.blobs).padStart(7)} blobs, history of ${n(size.snapshots).padStart(5)}+ snapshots: median ${ms(med(xs, 'total'))}, p90 ${ms(p90(xs.map((x) => x.total)))}` +
          `  (branch ${ms(med(xs, 'branch'))} for ${n(Math.round(med(xs, 'branchLength')))} ids, snapshots ${ms(med(xs, 'snapshots'))}, blobs ${ms(med(xs, 'blobs'))})`,
      );
    }
    const incremental = { small: med(s, 'total'), big: med(b, 'total'), ratio: med(b, 'total') / med(s, 'total') };

    console.log(`sync push: ours ${n(Math.round(push.ours))} blobs/s, baseline ${n(Math.round(push.baseline))} blobs/s, ratio ours/baseline = ${push.ratio.toFixed(2)} (target >= 0.5; bare functions-framework/baseline = ${push.bareRatio.toFixed(2)}, bare + baseline in one function would be ${push.floorRatio.toFixed(2)})`);
    console.log(`sync pull: ours ${n(Math.round(pull.ours))} blobs/s, baseline ${n(Math.round(pull.baseline))} blobs/s, ratio ours/baseline = ${pull.ratio.toFixed(2)} (target >= 0.5; bare functions-framework/baseline = ${pull.bareRatio.toFixed(2)}, bare + baseline in one function would be ${pull.floorRatio.toFixed(2)})`);
    console.log(`sync incremental pull: small ${ms(incremental.small)}, big ${ms(incremental.big)}, ratio big/small = ${incremental.ratio.toFixed(2)} (target <= 1.3)`);
    return { push, pull, incremental };
  } finally {
    await stack.stop();
    await smtp.stop();
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  if (process.argv[2] === 'client') {
    process.once('message', (job: SyncJob) => {
      (job.kind === 'throughput' ? throughput(job) : incremental(job)).then(
        (result) => process.send!({ result }, () => process.exit(0)),
        (err) => {
          console.error(err);
          process.exit(1);
        },
      );
    });
    process.send!({ ready: true });
  } else {
    main().catch((err) => {
      console.error(err);
      process.exit(1);
    });
  }
}
