/**
 * The CLI's main() in-process against the fake server: argument handling, help, exit codes, the
 * session file, and that no secret ever reaches stdout/stderr.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIo } from '../src/cli';
import { loadSession, sessionPath } from '../src/cli/session-store';
import { createFakeServer, type FakeServer } from './fake-server';

const PASS = 'tr0ub4dor & 3 horses';
const NEW_PASS = 'a whole new passphrase';
const URL_ = 'http://somnus.test';

interface Harness {
  io: CliIo;
  out: string[];
  err: string[];
  prompts: Array<{ question: string; hidden: boolean }>;
  answers: string[];
  run(...argv: string[]): Promise<number>;
}

function harness(server: FakeServer | null, env: Record<string, string | undefined>): Harness {
  const h: Harness = {
    out: [],
    err: [],
    prompts: [],
    answers: [],
    io: undefined as unknown as CliIo,
    run: (...argv) => main(argv, h.io),
  };
  h.io = {
    stdout: { write: (s: string) => h.out.push(s) },
    stderr: { write: (s: string) => h.err.push(s) },
    env,
    prompt: async (question, { hidden }) => {
      h.prompts.push({ question, hidden });
      const a = h.answers.shift();
      if (a === undefined) throw new Error(`unexpected prompt ${question}`);
      return a;
    },
    readStdin: async () => `${PASS}\n${NEW_PASS}\n`,
    fetch: server?.fetch,
  };
  return h;
}

describe('somnus CLI (no server needed)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'somnus-cli-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints help with exit 0, and per-command help', async () => {
    const h = harness(null, { SOMNUS_CONFIG_DIR: dir });
    expect(await h.run('--help')).toBe(0);
    const text = h.out.join('');
    for (const cmd of ['signup', 'login', 'whoami', 'logout', 'passphrase change', 'sessions']) expect(text).toContain(cmd);
    h.out.length = 0;
    expect(await h.run('help', 'login')).toBe(0);
    expect(h.out.join('')).toMatch(/Usage: somnus login/);
    h.out.length = 0;
    expect(await h.run('passphrase', '--help')).toBe(0);
    expect(h.out.join('')).toMatch(/passphrase change/);
    expect(h.err).toEqual([]);
  });

  it('without a command prints the overview and exits 1', async () => {
    const h = harness(null, { SOMNUS_CONFIG_DIR: dir });
    expect(await h.run()).toBe(1);
    expect(h.out.join('')).toMatch(/Usage: somnus <command>/);
  });

  it.each([
    [['frobnicate'], /unknown command frobnicate/],
    [['login', '--code', 'X'], /login does not take --code/],
    [['whoami', '--email', 'a@b.c'], /whoami does not take --email/],
    [['login', '--passphrase', 'x'], /not accepted as arguments/],
    [['login', '--srp-profile', 'md5'], /--srp-profile must be/],
    [['whoami'], /not logged in; run `somnus login`/],
    [['passphrase', 'reset'], /unknown subcommand passphrase reset/],
    [['constructor'], /unknown command constructor/],
    [['login', 'extra'], /unexpected argument extra/],
  ])('%j exits 1 with one error line', async (argv, message) => {
    const h = harness(createFakeServer(), { SOMNUS_CONFIG_DIR: dir, SOMNUS_PASSPHRASE: PASS });
    expect(await h.run(...argv)).toBe(1);
    expect(h.err).toHaveLength(1);
    expect(h.err[0]).toMatch(/^somnus: .*\n$/);
    expect(h.err[0]).toMatch(message);
    expect(h.out).toEqual([]);
  });

  it('runs signup → login → whoami → sessions → passphrase change → logout without printing secrets', async () => {
    const server = createFakeServer();
    const h = harness(server, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS, SOMNUS_NEW_PASSPHRASE: NEW_PASS });

    expect(await h.run('signup', '--email', 'Bob@Example.com', '--first-name', 'Bob')).toBe(0);
    expect(h.out.join('')).toMatch(/Signed up bob@example\.com \(account acct_[0-9a-f]{32}\)/);

    expect(await h.run('login', '--email', 'bob@example.com')).toBe(0);
    const saved = (await loadSession(dir))!;
    expect(saved).toMatchObject({ baseUrl: URL_, email: 'bob@example.com', srpProfile: 'insomnia' });
    expect((await stat(sessionPath(dir))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);

    expect(await h.run('whoami')).toBe(0);
    const who = h.out.join('');
    expect(who).toContain(`account:  ${saved.accountId}`);
    expect(who).toContain('name:     Bob');
    expect(who).toMatch(/session:  age 12s, expires 2030-01-01T00:00:00.000Z/);
    expect(who).toMatch(/keys:     unwrapped OK \(RSA-2048 public key fingerprint [0-9a-f]{16}\)/);

    expect(await h.run('sessions')).toBe(0);
    expect(h.out.join('')).toMatch(/\* sess_[0-9a-f]{32} /);

    // scripted variant: send the code, then change with --code (no prompt)
    expect(await h.run('passphrase', 'send-code')).toBe(0);
    expect(h.err.join('')).toMatch(/code was sent to bob@example\.com\. Check your email/);
    expect(await h.run('passphrase', 'change', '--code', server.lastCode!)).toBe(0);
    expect(h.prompts).toEqual([]);
    expect(server.requests.filter((r) => r.path === '/auth/send-password-code')).toHaveLength(1);

    expect(await h.run('logout')).toBe(0);
    expect(h.out.join('')).toMatch(/Logged out bob@example\.com/);

    const all = h.out.join('') + h.err.join('');
    for (const secret of [PASS, NEW_PASS, saved.sessionId]) expect(all).not.toContain(secret);
  });

  it('passphrase change: checks the current passphrase before a code is sent, then changes with the emailed code', async () => {
    const server = createFakeServer();
    const h = harness(server, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS, SOMNUS_NEW_PASSPHRASE: NEW_PASS });
    await h.run('signup', '--email', 'carol@example.com');
    await h.run('login', '--email', 'carol@example.com');
    const token = (await loadSession(dir))!.sessionId;

    const wrong = harness(server, { SOMNUS_CONFIG_DIR: dir, SOMNUS_PASSPHRASE: 'not it at all', SOMNUS_NEW_PASSPHRASE: NEW_PASS });
    expect(await wrong.run('passphrase', 'change')).toBe(1);
    expect(wrong.err.join('')).toMatch(/WRONG_PASSPHRASE/);
    expect(server.requests.some((r) => r.path === '/auth/send-password-code')).toBe(false);

    // interactive variant: the code is mailed, then asked for (visibly: it is not a secret worth hiding)
    h.io.prompt = async (question, { hidden }) => {
      h.prompts.push({ question, hidden });
      return server.lastCode!;
    };
    expect(await h.run('passphrase', 'change')).toBe(0);
    expect(h.prompts).toEqual([{ question: 'Code from the email: ', hidden: false }]);
    expect(h.err.join('')).toMatch(/Check your email/);
    expect(h.out.join('')).toMatch(/Passphrase changed/);

    const all = h.out.join('') + h.err.join('') + wrong.out.join('') + wrong.err.join('');
    for (const secret of [PASS, NEW_PASS, token]) expect(all).not.toContain(secret);

    // the new passphrase logs in, the old does not
    const relog = harness(server, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: NEW_PASS });
    expect(await relog.run('login', '--email', 'carol@example.com')).toBe(0);
    const old = harness(server, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS });
    expect(await old.run('login', '--email', 'carol@example.com')).toBe(1);
    expect(old.err.join('')).toMatch(/INVALID_CREDENTIALS/);
  });

  it('asks for passphrases hidden and twice at signup; a mismatch aborts before anything is sent', async () => {
    const server = createFakeServer();
    const h = harness(server, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_ });
    h.answers.push('dave@example.com', PASS, `${PASS}x`);
    expect(await h.run('signup')).toBe(1);
    expect(h.prompts).toEqual([
      { question: 'Email: ', hidden: false },
      { question: 'Passphrase: ', hidden: true },
      { question: 'Repeat passphrase: ', hidden: true },
    ]);
    expect(h.err.join('')).toMatch(/do not match/);
    expect(server.requests).toEqual([]);
  });

  it('reads passphrases from stdin with --passphrase-stdin', async () => {
    const server = createFakeServer();
    const h = harness(server, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_ });
    expect(await h.run('signup', '--email', 'erin@example.com', '--passphrase-stdin')).toBe(0);
    expect(await h.run('login', '--email', 'erin@example.com', '--passphrase-stdin')).toBe(0);
    expect(await h.run('whoami', '--passphrase-stdin')).toBe(0);
    expect(h.out.join('')).toMatch(/unwrapped OK/);
    expect(h.prompts).toEqual([]);
  });

  it('drops a rejected session, refuses to send a token to another server, strips terminal escapes', async () => {
    const server = createFakeServer();
    const h = harness(server, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS });
    await h.run('signup', '--email', 'frank@example.com');
    await h.run('login', '--email', 'frank@example.com');

    const other = harness(server, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: 'http://elsewhere.test' });
    expect(await other.run('whoami')).toBe(1);
    expect(other.err.join('')).toMatch(/not logged in at http:\/\/elsewhere\.test/);
    expect(server.requests.filter((r) => r.path === '/auth/whoami')).toHaveLength(1); // only login's own

    server.override('GET /v1/user/sessions', { status: 500, body: { error: 'INTERNAL', message: 'boom\u001b[31m red\u0007\nsecond line' } });
    expect(await h.run('sessions')).toBe(1);
    expect(h.err.at(-1)).toBe('somnus: INTERNAL: boom red second line\n');

    server.sessions.clear(); // the server forgot the session
    expect(await h.run('whoami')).toBe(1);
    expect(h.err.at(-1)).toMatch(/UNAUTHORIZED: .*run `somnus login`/);
    expect(await loadSession(dir)).toBeNull();
  });

  it('scrubs a secret even if the server echoes it back', async () => {
    const server = createFakeServer();
    const h = harness(server, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS });
    server.override('POST /auth/login-s', (req) => ({ status: 400, body: { error: 'VALIDATION_ERROR', message: `bad ${PASS} for ${req.body.email}` } }));
    expect(await h.run('login', '--email', 'gina@example.com')).toBe(1);
    expect(h.err.join('')).not.toContain(PASS);
    expect(h.err.join('')).toContain('[redacted]');
  });

  it('logout revokes on the server and removes the file; a second logout says not logged in', async () => {
    const server = createFakeServer();
    const h = harness(server, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS });
    await h.run('signup', '--email', 'hal@example.com');
    await h.run('login', '--email', 'hal@example.com');
    expect(server.sessions.size).toBe(1);
    expect(await h.run('logout')).toBe(0);
    expect(server.sessions.size).toBe(0);
    expect(await loadSession(dir)).toBeNull();
    expect(await h.run('logout')).toBe(1);
    expect(h.err.at(-1)).toMatch(/not logged in/);
  });

  it('a second login revokes the session it replaces', async () => {
    const server = createFakeServer();
    const h = harness(server, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS });
    await h.run('signup', '--email', 'ivy@example.com');
    await h.run('login', '--email', 'ivy@example.com');
    const first = (await loadSession(dir))!.sessionId;
    await h.run('login', '--email', 'ivy@example.com');
    expect(server.sessions.has(first)).toBe(false);
    expect(server.sessions.size).toBe(1);
  });
});
