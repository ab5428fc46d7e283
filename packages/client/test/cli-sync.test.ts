/**
 * `somnus push|pull|branches|log DIR` in-process against the REAL stack (test/support/stack.ts), as
 * cli.test.ts drives the CLI: two accounts of one team org (set up with the SDK), each with its own
 * config directory and working directory of JSON documents. The CLI's fetch is a recorder that
 * forwards to the real server. Nothing secret may reach stdout or stderr.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIo } from '../src/cli';
import { loadSession } from '../src/cli/session-store';
import { startTestStack, type TestStack } from '../../../test/support/stack';
import { recordingFetch, type RecordingFetch } from './recording-fetch';
import { labelRuns, PASS, signedUp, team, type SyncUser } from './sync-support';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { LOG_LEVEL: 'silent' } });
});
afterAll(async () => {
  await stack?.stop();
});

interface Cli {
  out: string[];
  err: string[];
  rec: RecordingFetch;
  run(...argv: string[]): Promise<number>;
  /** stdout and stderr of everything run so far. */
  all(): string;
  reset(): void;
}

function cli(configDir: string): Cli {
  const rec = recordingFetch();
  const c: Cli = {
    out: [],
    err: [],
    rec,
    run: (...argv) => main(argv, io),
    all: () => c.out.join('') + c.err.join(''),
    reset() {
      c.out.length = 0;
      c.err.length = 0;
    },
  };
  const io: CliIo = {
    stdout: { write: (s: string) => c.out.push(s) },
    stderr: { write: (s: string) => c.err.push(s) },
    env: { SOMNUS_CONFIG_DIR: configDir, SOMNUS_URL: stack.baseUrl, SOMNUS_PASSPHRASE: PASS },
    prompt: async (question) => {
      throw new Error(`unexpected prompt ${question}`);
    },
    fetch: rec.fetch,
  };
  return c;
}

const CANARY = 'canary-3f9a1c0d7e5b';

async function writeDoc(dir: string, file: string, doc: unknown): Promise<void> {
  await writeFile(join(dir, file), `${JSON.stringify(doc, null, 2)}\n`);
}

async function docsIn(dir: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
    const doc = JSON.parse(await readFile(join(dir, f), 'utf8')) as { _id: string };
    out[doc._id] = doc;
  }
  return out;
}

describe('somnus push / pull (real stack)', () => {
  let tmp: string;
  let a: SyncUser;
  let b: SyncUser;
  let orgId: string;
  let aCli: Cli;
  let bCli: Cli;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'somnus-sync-cli-'));
    a = await signedUp(stack, 'ann');
    b = await signedUp(stack, 'ben');
    orgId = await team(stack, a, b);
    aCli = cli(join(tmp, 'config-a'));
    bCli = cli(join(tmp, 'config-b'));
    expect(await aCli.run('login', '--email', a.email)).toBe(0);
    expect(await bCli.run('login', '--email', b.email)).toBe(0);
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });
  beforeEach(() => {
    aCli.reset();
    bCli.reset();
  });

  it('A pushes a directory, B pulls it, B pushes an edit, A pulls it; local edits are never overwritten', async () => {
    const dirA = join(tmp, 'payments-a');
    const dirB = join(tmp, 'payments-b');
    await mkdir(dirA);
    await writeDoc(dirA, 'workspace.json', { _id: 'wrk_pay', type: 'Workspace', name: 'Payments' });
    await writeDoc(dirA, 'charge.json', { _id: 'req_charge', type: 'Request', name: 'Create charge', url: 'https://api.example.com/charges', headers: [{ name: 'Authorization', value: `Bearer ${CANARY}` }] });
    await writeDoc(dirA, 'env.json', { _id: 'env_base', type: 'Environment', name: 'Base', data: { token: CANARY } });
    await writeFile(join(dirA, 'notes.txt'), 'not a document');

    // the first push needs a message and an org
    expect(await aCli.run('push', dirA, '--org', orgId)).toBe(1);
    expect(aCli.err.join('')).toMatch(/push needs --message/);
    expect(await aCli.run('push', dirA, '-m', 'first')).toBe(1);
    expect(aCli.err.join('')).toMatch(/needs --org/);
    aCli.reset();

    expect(await aCli.run('push', dirA, '--org', orgId, '--message', 'first')).toBe(0);
    expect(aCli.out.join('')).toMatch(/Created project payments-a \(prj_[0-9a-f]{32}\)/);
    expect(aCli.out.join('')).toMatch(/Pushed 3 documents to branch master of prj_[0-9a-f]{32} as snapshot [0-9a-f]{12} \(3 blobs uploaded\)/);
    expect(aCli.err.join('')).toContain('pushing blobs 3/3\n');
    const stateA = JSON.parse(await readFile(join(dirA, '.somnus.json'), 'utf8'));
    expect(stateA).toEqual({ server: stack.baseUrl, projectId: expect.stringMatching(/^prj_[0-9a-f]{32}$/), orgId, branch: 'master', head: expect.stringMatching(/^[0-9a-f]{40}$/) });
    const projectId = stateA.projectId as string;
    expect(labelRuns(aCli.rec.requests)).toEqual(['project', 'teamMemberKeys', 'createProject', 'branch', 'projectKey', 'missingBlobs', 'blobsCreate', 'snapshotsPush']);
    // the Insomnia workspace in the directory becomes the project's root document
    expect(aCli.rec.requests.find((r) => r.search === '?createProject')!.body.variables.rootDocumentId).toBe('wrk_pay');

    // pushing the same directory again changes nothing
    aCli.reset();
    expect(await aCli.run('push', dirA, '-m', 'again')).toBe(0);
    expect(aCli.out.join('')).toMatch(/Already up to date/);

    // ── B pulls into a new directory ──
    expect(await bCli.run('pull', dirB)).toBe(1);
    expect(bCli.err.join('')).toMatch(/pull needs --project/);
    bCli.reset();
    expect(await bCli.run('pull', dirB, '--project', projectId)).toBe(0);
    expect(bCli.out.join('')).toMatch(/Pulled 3 documents of payments-a \(prj_[0-9a-f]{32}\), branch master at [0-9a-f]{12} by ann\./);
    expect(bCli.out.join('')).toMatch(/3 written, 0 removed/);
    expect(bCli.err.join('')).toContain('pulling blobs 3/3\n');
    expect(await docsIn(dirB)).toEqual(await docsIn(dirA));
    expect((await readdir(dirB)).sort()).toEqual(['.somnus.json', 'env_base.json', 'req_charge.json', 'wrk_pay.json']);

    // ── B edits one document, adds one, removes one, and pushes ──
    const charge = JSON.parse(await readFile(join(dirB, 'req_charge.json'), 'utf8'));
    await writeDoc(dirB, 'req_charge.json', { ...charge, url: 'https://api.example.com/v2/charges' });
    await writeDoc(dirB, 'refund.json', { _id: 'req_refund', type: 'Request', name: 'Refund' });
    await rm(join(dirB, 'env_base.json'));
    expect(await bCli.run('push', dirB, '--message', 'v2, refunds')).toBe(0);
    expect(bCli.out.join('')).toMatch(/Pushed 3 documents .* \(2 blobs uploaded\)/);

    // A has not pulled: its push is refused, and nothing is uploaded
    aCli.reset();
    const before = aCli.rec.requests.length;
    await writeDoc(dirA, 'workspace.json', { _id: 'wrk_pay', type: 'Workspace', name: 'Payments (A)' });
    expect(await aCli.run('push', dirA, '-m', 'stale')).toBe(1);
    expect(aCli.err.join('')).toMatch(/^somnus: CONFLICT: Remote history conflict: .*pull first/);
    expect(labelRuns(aCli.rec.requests.slice(before))).toEqual(['project', 'branch']);
    // nor does its pull overwrite the local edit
    aCli.reset();
    expect(await aCli.run('pull', dirA)).toBe(1);
    expect(aCli.err.join('')).toMatch(/LOCAL_CHANGES: .*push them first/);
    expect(JSON.parse(await readFile(join(dirA, 'workspace.json'), 'utf8')).name).toBe('Payments (A)');

    // A undoes the edit and pulls B's changes into its own files
    await writeDoc(dirA, 'workspace.json', { _id: 'wrk_pay', type: 'Workspace', name: 'Payments' });
    aCli.reset();
    expect(await aCli.run('pull', dirA)).toBe(0);
    expect(aCli.out.join('')).toMatch(/by ben\..*: 2 written, 1 removed, 1 unchanged \(2 blobs downloaded\)/);
    expect(await docsIn(dirA)).toEqual(await docsIn(dirB));
    expect((await readdir(dirA)).sort()).toEqual(['.somnus.json', 'charge.json', 'notes.txt', 'req_refund.json', 'workspace.json']);
    aCli.reset();
    expect(await aCli.run('pull', dirA)).toBe(0);
    expect(aCli.out.join('')).toMatch(/Already up to date/);

    // history
    aCli.reset();
    expect(await aCli.run('log', dirA)).toBe(0);
    const log = aCli.out.join('').trim().split('\n');
    expect(log).toHaveLength(3);
    expect(log[0]).toMatch(new RegExp(`^[0-9a-f]{12}  \\S+  ${b.email.replace(/\./g, '\\.')}  v2, refunds  \\(3 documents\\)$`));
    expect(log[1]).toMatch(new RegExp(`^[0-9a-f]{12}  \\S+  ${a.email.replace(/\./g, '\\.')}  first  \\(3 documents\\)$`));
    expect(log[2]).toBe('2 snapshots on branch master');
    aCli.reset();
    expect(await aCli.run('branches', dirA)).toBe(0);
    expect(aCli.out.join('')).toBe('* master\n1 branch\n');

    // a branch of its own, pushed from a copy
    const dirDev = join(tmp, 'payments-dev');
    await mkdir(dirDev);
    await writeDoc(dirDev, 'only.json', { _id: 'req_only', name: 'Only on dev' });
    aCli.reset();
    expect(await aCli.run('push', dirDev, '--project', projectId, '--branch', 'dev', '-m', 'dev work')).toBe(0);
    aCli.reset();
    expect(await aCli.run('branches', dirA)).toBe(0);
    expect(aCli.out.join('')).toMatch(/^  dev\n\* master\n2 branches\n$|^\* master\n  dev\n2 branches\n$/);
    // a directory synced with master does not take another branch's documents
    bCli.reset();
    expect(await bCli.run('pull', dirB, '--branch', 'dev')).toBe(1);
    expect(bCli.err.join('')).toMatch(/holds documents of branch master/);

    // nothing secret or decrypted-by-mistake was printed
    const session = (await loadSession(join(tmp, 'config-a')))!;
    for (const text of [aCli.all(), bCli.all()]) {
      expect(text).not.toContain(PASS);
      expect(text).not.toContain(session.sessionId);
      expect(text).not.toContain(CANARY);
    }
  });

  it('refuses directories it cannot sync, with one line and nothing sent', async () => {
    const dir = join(tmp, 'bad');
    await mkdir(dir);
    await writeFile(join(dir, 'broken.json'), '{"_id": ');
    const before = aCli.rec.requests.length;
    expect(await aCli.run('push', dir, '--org', orgId, '-m', 'x')).toBe(1);
    expect(aCli.err.join('')).toBe('somnus: broken.json: not valid JSON\n');
    aCli.reset();
    await writeFile(join(dir, 'broken.json'), '{"_id": "req_1"}');
    expect(await aCli.run('push', dir, '--org', orgId, '-m', 'x')).toBe(1);
    expect(aCli.err.join('')).toMatch(/^somnus: broken\.json: document "req_1": name must be a string/);
    aCli.reset();
    await writeFile(join(dir, 'broken.json'), '{"_id": "req_1", "name": "one"}');
    await writeFile(join(dir, 'twin.json'), '{"_id": "req_1", "name": "two"}');
    expect(await aCli.run('push', dir, '--org', orgId, '-m', 'x')).toBe(1);
    expect(aCli.err.join('')).toBe('somnus: broken.json and twin.json have the same _id\n');
    aCli.reset();
    await rm(join(dir, 'twin.json'));
    expect(await aCli.run('pull', dir, '--project', `prj_${'0'.repeat(32)}`)).toBe(1);
    expect(aCli.err.join('')).toMatch(/already holds documents that did not come from a pull/);
    aCli.reset();
    expect(await aCli.run('pull', join(tmp, 'empty'), '--project', 'prj_nope')).toBe(1);
    expect(aCli.err.join('')).toMatch(/--project must be prj_/);
    expect(aCli.rec.requests.length).toBe(before);

    // an unknown project, after the keys are unlocked: the server's answer, in one line
    aCli.reset();
    expect(await aCli.run('pull', join(tmp, 'empty'), '--project', `prj_${'0'.repeat(32)}`)).toBe(1);
    expect(aCli.err.join('')).toMatch(/^somnus: project prj_0{32}: project not found or no access\n$/);
  });

  it('share moves a personal project into the team and unshare takes it back; wrong arguments are usage errors', async () => {
    const before = aCli.rec.requests.length;
    for (const argv of [['share'], ['share', 'prj_x'], ['share', 'prj_x', orgId, 'extra'], ['unshare'], ['unshare', 'prj_x', 'extra']]) {
      aCli.reset();
      expect(await aCli.run(...argv)).toBe(1);
      expect(aCli.err.join('')).toMatch(new RegExp(`^somnus: usage: somnus ${argv[0]} <projectId>.* \\(see somnus --help\\)\n$`));
    }
    aCli.reset();
    expect(await aCli.run('unshare', 'prj_x', '--passphrase-stdin')).toBe(1);
    expect(aCli.err.join('')).toBe('somnus: unshare does not take --passphrase-stdin (see somnus --help)\n');
    expect(aCli.rec.requests.length).toBe(before);

    const [personal] = await a.client.listOrgs();
    const dirA = join(tmp, 'scratch-a');
    await mkdir(dirA);
    await writeDoc(dirA, 'health.json', { _id: 'req_health', type: 'Request', name: 'Health check' });
    expect(await aCli.run('push', dirA, '--org', personal!.id, '-m', 'mine')).toBe(0);
    const { projectId } = JSON.parse(await readFile(join(dirA, '.somnus.json'), 'utf8')) as { projectId: string };
    expect(await bCli.run('pull', join(tmp, 'scratch-b'), '--project', projectId)).toBe(1);
    expect(bCli.err.join('')).toMatch(/project not found or no access/);

    aCli.reset();
    expect(await aCli.run('share', projectId, orgId)).toBe(0);
    expect(aCli.out.join('')).toBe(`Shared project ${projectId} with org ${orgId}; its key is wrapped for 2 members.\n`);
    bCli.reset();
    expect(await bCli.run('pull', join(tmp, 'scratch-b'), '--project', projectId)).toBe(0);
    expect(await docsIn(join(tmp, 'scratch-b'))).toEqual(await docsIn(dirA));

    aCli.reset();
    expect(await aCli.run('unshare', projectId)).toBe(0);
    expect(aCli.out.join('')).toBe(`Took project ${projectId} back into your personal org; the other members' keys are removed.\n`);
    bCli.reset();
    expect(await bCli.run('pull', join(tmp, 'scratch-b'))).toBe(1);
    expect(bCli.err.join('')).toMatch(/project not found or no access/);
    expect(aCli.all()).not.toContain(PASS);
  });

  it('has help for each sync command', async () => {
    for (const command of ['push', 'pull', 'branches', 'log']) {
      aCli.reset();
      expect(await aCli.run(command, '--help')).toBe(0);
      expect(aCli.out.join('')).toMatch(new RegExp(`^Usage: somnus ${command} DIR`));
    }
    for (const command of ['share', 'unshare']) {
      aCli.reset();
      expect(await aCli.run(command, '--help')).toBe(0);
      expect(aCli.out.join('')).toMatch(new RegExp(`^Usage: somnus ${command} <projectId>`));
    }
    aCli.reset();
    expect(await aCli.run('--help')).toBe(0);
    for (const command of ['push DIR', 'pull DIR', 'branches DIR', 'log DIR', 'share <projectId> <orgId>', 'unshare <projectId>']) expect(aCli.out.join('')).toContain(command);
  });
});
