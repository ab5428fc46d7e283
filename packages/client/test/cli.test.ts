/**
 * The CLI's main() in-process against the REAL stack (test/support/stack.ts: Postgres, every
 * function behind the gateway, an SMTP sink): argument handling, help, exit codes, the session
 * file, and that no secret ever reaches stdout/stderr. Passphrase-change codes come from the SMTP
 * sink. The CLI's fetch is a recorder that forwards to the real server, so tests can check which
 * requests were (not) sent; the two hostile-server cases tamper with one real response (see there).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOf } from '@somnus/models';
import { SomnusClient } from '../src';
import { main, type CliIo } from '../src/cli';
import { loadSession, sessionPath } from '../src/cli/session-store';
import { latestVerificationMail, VERIFICATION_SUBJECT } from '../../../test/support/accounts';
import { queryRows } from '../../../test/support/database';
import { extractCode, mailsSettled } from '../../../test/support/smtp';
import { startTestStack, type TestStack } from '../../../test/support/stack';
import { expectCodeEmail } from './mail';
import { recordingFetch, type RecordingFetch } from './recording-fetch';

const PASS = 'tr0ub4dor & 3 horses';
const NEW_PASS = 'a whole new passphrase';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { LOG_LEVEL: 'silent' } });
});
afterAll(async () => {
  await stack?.stop();
});

let n = 0;
/** A distinct account per test (capitals on purpose: the CLI must normalise). */
const newEmail = (tag: string) => `${tag}.${process.pid}.${++n}@Example.com`;

interface Harness {
  io: CliIo;
  out: string[];
  err: string[];
  prompts: Array<{ question: string; hidden: boolean }>;
  answers: string[];
  run(...argv: string[]): Promise<number>;
}

function harness(rec: RecordingFetch | null, env: Record<string, string | undefined>): Harness {
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
    fetch: rec?.fetch,
  };
  return h;
}

/** The real server's view of a token: whoami with it, outside the CLI. */
const tokenWorks = (token: string) =>
  new SomnusClient({ baseUrl: stack.baseUrl, sessionId: token }).whoami().then(
    () => true,
    (e: { status?: number }) => {
      if (e.status === 401) return false;
      throw e;
    },
  );

/** Unrevoked, unexpired sessions of an account, straight from the real database. */
async function liveSessions(accountId: string): Promise<number> {
  const rows = await queryRows(
    stack.db.adminUrl,
    'SELECT count(*)::int AS n FROM sessions WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > now()',
    [accountId],
  );
  return rows[0]!.n as number;
}

describe('somnus CLI (real stack)', () => {
  let dir: string;
  let URL_: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'somnus-cli-'));
    URL_ = stack.baseUrl;
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
    const rec = recordingFetch();
    const h = harness(rec, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS });
    expect(await h.run(...argv)).toBe(1);
    expect(h.err).toHaveLength(1);
    expect(h.err[0]).toMatch(/^somnus: .*\n$/);
    expect(h.err[0]).toMatch(message);
    expect(h.out).toEqual([]);
    expect(rec.requests).toEqual([]); // refused before anything reached the server
  });

  it('runs signup → login → whoami → sessions → passphrase change → logout without printing secrets', async () => {
    const rec = recordingFetch();
    const email = newEmail('Bob');
    const mail = email.toLowerCase();
    const h = harness(rec, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS, SOMNUS_NEW_PASSPHRASE: NEW_PASS });

    expect(await h.run('signup', '--email', email, '--first-name', 'Bob')).toBe(0);
    const signedUp = /Signed up (\S+) \(account (acct_[0-9a-f]{32})\)/.exec(h.out.join(''));
    expect(signedUp?.[1]).toBe(mail);
    expect(rec.requests.find((r) => r.path === '/auth/signup')!.body.email).toBe(mail);
    expect(h.out.join('')).toContain('somnus verify <code>');

    expect(await h.run('login', '--email', mail)).toBe(0);
    const saved = (await loadSession(dir))!;
    expect(saved).toMatchObject({ baseUrl: URL_, email: mail, srpProfile: 'insomnia', accountId: signedUp![2] });
    expect((await stat(sessionPath(dir))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(await tokenWorks(saved.sessionId)).toBe(true);

    expect(await h.run('whoami')).toBe(0);
    const who = h.out.join('');
    // what the real server says about this session, asked outside the CLI
    const real = await new SomnusClient({ baseUrl: stack.baseUrl, sessionId: saved.sessionId }).whoami();
    expect(who).toContain(`account:  ${saved.accountId}`);
    expect(who).toContain('name:     Bob');
    expect(who).toMatch(/session:  age (\d+[dhms] ?)+, expires /);
    expect(who).toContain(`, expires ${new Date(real.sessionExpiry).toISOString()}\n`);
    // the fingerprint teammates compare (docs/key-authenticity.md): the one of the key the server holds
    const fingerprint = fingerprintOf(real.publicKey);
    expect(who).toContain(`key:      fingerprint ${fingerprint} (`);
    expect(who).toContain(`keys:     unwrapped OK (RSA-2048, fingerprint ${fingerprint})`);
    h.out.length = 0;
    expect(await h.run('whoami', '--fingerprint')).toBe(0);
    expect(h.out.join('')).toBe(`${fingerprint}\n`);
    expect(who).toContain(`email:    ${mail} (not verified`);

    // the code of the verification email, typed as the argument (docs/protocol.md §4.1)
    h.out.length = 0;
    expect(await h.run('verify', '--resend')).toBe(0);
    expect(h.out.join('')).toContain(`A new verification email was sent to ${mail}`);
    expect(await mailsSettled(() => stack.smtp.messagesTo(mail).filter((m) => VERIFICATION_SUBJECT.test(m.subject)), 2)).toHaveLength(2);
    expect(await h.run('verify', 'XXXXXXXXXX', '--resend')).toBe(1);
    const verification = await latestVerificationMail(stack.smtp, mail);
    // the link leads to the server that sent it (SOMNUS_PUBLIC_URL, as `pnpm start` sets it)
    expect(verification.text).toContain(`${stack.baseUrl}/app/verify/?token=`);
    expect(await h.run('verify', extractCode(verification))).toBe(0);
    expect(h.out.join('')).toContain(`${mail} is verified.`);
    expect(await h.run('whoami')).toBe(0);
    expect(h.out.join('')).toContain(`email:    ${mail} (verified)`);

    expect(await h.run('sessions')).toBe(0);
    expect(h.out.join('')).toMatch(/\* sess_[0-9a-f]{32} /);
    expect(h.out.join('')).toMatch(/1 session \(\* = this one\)/);

    // scripted variant: send the code, then change with --code (no prompt)
    const mailed = expectCodeEmail(stack.smtp, mail);
    expect(await h.run('passphrase', 'send-code')).toBe(0);
    expect(h.err.join('')).toMatch(new RegExp(`code was sent to ${mail.replace(/\./g, '\\.')}\\. Check your email`));
    const code = await mailed();
    expect(await h.run('passphrase', 'change', '--code', code)).toBe(0);
    expect(h.prompts).toEqual([]);
    expect(rec.requests.filter((r) => r.path === '/auth/send-password-code')).toHaveLength(1);
    expect(stack.smtp.messagesTo(mail).filter((m) => !VERIFICATION_SUBJECT.test(m.subject))).toHaveLength(1);
    expect(rec.requests.find((r) => r.path === '/auth/change-password')).toMatchObject({ status: 200, body: { code } });

    expect(await h.run('logout')).toBe(0);
    expect(h.out.join('')).toMatch(new RegExp(`Logged out ${mail.replace(/\./g, '\\.')}`));
    expect(await tokenWorks(saved.sessionId)).toBe(false);

    const all = h.out.join('') + h.err.join('');
    for (const secret of [PASS, NEW_PASS, saved.sessionId]) expect(all).not.toContain(secret);
    for (const r of rec.requests) {
      const body = JSON.stringify(r.body ?? {});
      expect(body).not.toContain(PASS);
      expect(body).not.toContain(NEW_PASS);
    }
  });

  it('passphrase change: checks the current passphrase before a code is sent, then changes with the emailed code', async () => {
    const rec = recordingFetch();
    const email = newEmail('carol');
    const mail = email.toLowerCase();
    const h = harness(rec, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS, SOMNUS_NEW_PASSPHRASE: NEW_PASS });
    expect(await h.run('signup', '--email', email)).toBe(0);
    expect(await h.run('login', '--email', email)).toBe(0);
    const token = (await loadSession(dir))!.sessionId;

    const wrong = harness(rec, { SOMNUS_CONFIG_DIR: dir, SOMNUS_PASSPHRASE: 'not it at all', SOMNUS_NEW_PASSPHRASE: NEW_PASS });
    expect(await wrong.run('passphrase', 'change')).toBe(1);
    expect(wrong.err.join('')).toMatch(/WRONG_PASSPHRASE/);
    expect(rec.requests.some((r) => r.path === '/auth/send-password-code')).toBe(false);
    expect(stack.smtp.messagesTo(mail).filter((m) => !VERIFICATION_SUBJECT.test(m.subject))).toEqual([]);

    // interactive variant: the code is mailed, then asked for (visibly: it is not a secret worth hiding)
    const mailed = expectCodeEmail(stack.smtp, mail);
    h.io.prompt = async (question, { hidden }) => {
      h.prompts.push({ question, hidden });
      return mailed();
    };
    expect(await h.run('passphrase', 'change')).toBe(0);
    expect(h.prompts).toEqual([{ question: 'Code from the email: ', hidden: false }]);
    expect(h.err.join('')).toMatch(/Check your email/);
    expect(h.out.join('')).toMatch(/Passphrase changed/);
    expect(rec.requests.filter((r) => r.path === '/auth/send-password-code')).toHaveLength(1);
    expect(await tokenWorks(token)).toBe(true); // the session that changed it stays

    const all = h.out.join('') + h.err.join('') + wrong.out.join('') + wrong.err.join('');
    for (const secret of [PASS, NEW_PASS, token]) expect(all).not.toContain(secret);

    // the new passphrase logs in, the old does not
    const relog = harness(rec, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: NEW_PASS });
    expect(await relog.run('login', '--email', email)).toBe(0);
    const old = harness(rec, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS });
    expect(await old.run('login', '--email', email)).toBe(1);
    expect(old.err.join('')).toMatch(/INVALID_CREDENTIALS/);
  });

  it('signup --invite with the invitation link verifies the address; org accept needs no code, only a verified address', async () => {
    const janeEmail = newEmail('jane');
    const bobEmail = newEmail('bob').toLowerCase();
    const carolEmail = newEmail('carol');
    const jane = harness(null, { SOMNUS_CONFIG_DIR: join(dir, 'jane'), SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS });
    const bob = harness(null, { SOMNUS_CONFIG_DIR: join(dir, 'bob'), SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS });
    const carol = harness(null, { SOMNUS_CONFIG_DIR: join(dir, 'carol'), SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS });
    expect(await jane.run('signup', '--email', janeEmail)).toBe(0);
    expect(await jane.run('login', '--email', janeEmail)).toBe(0);
    // the code asked for, typed by hand
    jane.answers.push(extractCode(await latestVerificationMail(stack.smtp, janeEmail.toLowerCase())).toLowerCase());
    expect(await jane.run('verify')).toBe(0);
    expect(jane.prompts).toEqual([{ question: 'Code from the email: ', hidden: false }]);
    jane.out.length = 0;
    expect(await jane.run('org', 'create', 'Code team')).toBe(0);
    const orgId = /\b(org_[0-9a-f]{32})\b/.exec(jane.out.join(''))![1]!;
    jane.out.length = 0;
    expect(await jane.run('org', 'invite', orgId, bobEmail)).toBe(0);
    const inviteId = /\b(inv_[0-9a-f]{32})\b/.exec(jane.out.join(''))![1]!;
    const mail = await stack.smtp.waitForMessage((m) => m.to.includes(bobEmail) && m.text.includes(inviteId), 15_000);
    const link = /http\S+\/app\/invite\/\?invite=[0-9a-f]{64}/.exec(mail.text)![0];
    // the email shows the command to run, with this very link
    expect(mail.text).toContain(`somnus signup --email ${bobEmail} --invite '${link}'`);

    expect(await bob.run('signup', '--email', bobEmail, '--invite', 'https://example.test/not-a-link')).toBe(1);
    expect(bob.err.join('')).toMatch(/--invite: not an invitation link/);
    expect(await bob.run('signup', '--email', bobEmail, '--invite', link)).toBe(0);
    expect(bob.out.join('')).toContain(`${bobEmail} is verified by the invitation link.`);
    expect(stack.smtp.messagesTo(bobEmail).filter((m) => VERIFICATION_SUBJECT.test(m.subject))).toEqual([]);
    expect(await bob.run('login', '--email', bobEmail)).toBe(0);
    expect(await bob.run('org', 'accept', inviteId, '--code', 'ABCDEFGHJK')).toBe(1);
    expect(bob.err.join('')).toMatch(/org does not take --code/);
    expect(await bob.run('org', 'accept', inviteId)).toBe(0);
    expect(bob.prompts).toEqual([]);
    expect(bob.out.join('')).toContain(`Joined ${orgId} as member`);

    // an account whose address is not verified is told what to do
    expect(await carol.run('signup', '--email', carolEmail)).toBe(0);
    expect(await carol.run('login', '--email', carolEmail)).toBe(0);
    expect(await carol.run('org', 'invites')).toBe(1);
    expect(carol.err.join('')).toMatch(/EMAIL_NOT_VERIFIED: Verify your email address first/);
  });

  it('asks for passphrases hidden and twice at signup; a mismatch aborts before anything is sent', async () => {
    const rec = recordingFetch();
    const email = newEmail('dave');
    const h = harness(rec, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_ });
    h.answers.push(email, PASS, `${PASS}x`);
    expect(await h.run('signup')).toBe(1);
    expect(h.prompts).toEqual([
      { question: 'Email: ', hidden: false },
      { question: 'Passphrase: ', hidden: true },
      { question: 'Repeat passphrase: ', hidden: true },
    ]);
    expect(h.err.join('')).toMatch(/do not match/);
    expect(rec.requests).toEqual([]);
    // and no account was made: the email is still free
    await expect(new SomnusClient({ baseUrl: stack.baseUrl }).signup({ email, passphrase: PASS })).resolves.toMatchObject({
      email: email.toLowerCase(),
    });
  });

  it('reads passphrases from stdin with --passphrase-stdin', async () => {
    const rec = recordingFetch();
    const email = newEmail('erin');
    const h = harness(rec, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_ });
    expect(await h.run('signup', '--email', email, '--passphrase-stdin')).toBe(0);
    expect(await h.run('login', '--email', email, '--passphrase-stdin')).toBe(0);
    expect(await h.run('whoami', '--passphrase-stdin')).toBe(0);
    expect(h.out.join('')).toMatch(/unwrapped OK/);
    expect(h.prompts).toEqual([]);
  });

  it('drops a rejected session, refuses to send a token to another server, strips terminal escapes', async () => {
    const rec = recordingFetch();
    const email = newEmail('frank');
    const h = harness(rec, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS });
    expect(await h.run('signup', '--email', email)).toBe(0);
    expect(await h.run('login', '--email', email)).toBe(0);
    const token = (await loadSession(dir))!.sessionId;

    const sent = rec.requests.length;
    const other = harness(rec, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: 'http://elsewhere.test' });
    expect(await other.run('whoami')).toBe(1);
    expect(other.err.join('')).toMatch(/not logged in at http:\/\/elsewhere\.test/);
    expect(rec.requests.length).toBe(sent); // nothing sent, to either server
    expect(rec.requests.filter((r) => r.path === '/auth/whoami')).toHaveLength(1); // only login's own
    expect(rec.requests.every((r) => r.origin === URL_)).toBe(true);

    // MITM: the real server never answers 500, and never puts terminal escapes in a message; a
    // broken proxy or hostile server could, and the CLI must print one clean line anyway.
    rec.tamperNext('GET /v1/user/sessions', (real) => {
      expect(real.status).toBe(200);
      return { status: 500, body: { error: 'INTERNAL', message: 'boom\u001b[31m red\u0007\nsecond line' } };
    });
    expect(await h.run('sessions')).toBe(1);
    expect(rec.pendingTampers()).toBe(0);
    expect(h.err.at(-1)).toBe('somnus: INTERNAL: boom red second line\n');
    expect(await loadSession(dir)).not.toBeNull(); // a 500 is not "logged out"

    // the real server forgets the session (revoked from elsewhere, with the same token)
    await new SomnusClient({ baseUrl: stack.baseUrl, sessionId: token }).logout();
    expect(await h.run('whoami')).toBe(1);
    expect(h.err.at(-1)).toMatch(/^somnus: UNAUTHORIZED: .*run `somnus login`/);
    expect(await loadSession(dir)).toBeNull();
    for (const secret of [PASS, token]) expect(h.out.join('') + h.err.join('')).not.toContain(secret);
  });

  it('scrubs a secret even if the server echoes it back', async () => {
    const rec = recordingFetch();
    const email = newEmail('gina');
    const h = harness(rec, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS });
    // MITM: the real server never receives the passphrase, so it cannot echo it; a hostile server
    // could try to get it printed (e.g. into CI logs) by a client that had it. The CLI must scrub it.
    rec.tamperNext('POST /auth/login-s', (real, req) => {
      expect(real.status).toBe(200);
      return { status: 400, body: { error: 'VALIDATION_ERROR', message: `bad ${PASS} for ${req.body.email}` } };
    });
    expect(await h.run('login', '--email', email)).toBe(1);
    expect(rec.pendingTampers()).toBe(0);
    expect(h.err).toHaveLength(1);
    expect(h.err.join('')).not.toContain(PASS);
    expect(h.err.join('')).toContain('[redacted]');
    expect(h.err.join('')).toContain(email.toLowerCase()); // only the secret is scrubbed
  });

  it('logout revokes on the server and removes the file; a second logout says not logged in', async () => {
    const rec = recordingFetch();
    const email = newEmail('hal');
    const h = harness(rec, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS });
    expect(await h.run('signup', '--email', email)).toBe(0);
    expect(await h.run('login', '--email', email)).toBe(0);
    const { sessionId, accountId } = (await loadSession(dir))!;
    expect(await liveSessions(accountId)).toBe(1);
    expect(await h.run('logout')).toBe(0);
    expect(rec.requests.at(-1)).toMatchObject({ method: 'POST', path: '/auth/logout', status: 200 });
    expect(await liveSessions(accountId)).toBe(0);
    expect(await tokenWorks(sessionId)).toBe(false);
    expect(await loadSession(dir)).toBeNull();
    const sent = rec.requests.length;
    expect(await h.run('logout')).toBe(1);
    expect(h.err.at(-1)).toMatch(/not logged in/);
    expect(rec.requests.length).toBe(sent);
  });

  it('a second login revokes the session it replaces', async () => {
    const rec = recordingFetch();
    const email = newEmail('ivy');
    const h = harness(rec, { SOMNUS_CONFIG_DIR: dir, SOMNUS_URL: URL_, SOMNUS_PASSPHRASE: PASS });
    expect(await h.run('signup', '--email', email)).toBe(0);
    expect(await h.run('login', '--email', email)).toBe(0);
    const first = (await loadSession(dir))!;
    expect(await h.run('login', '--email', email)).toBe(0);
    const second = (await loadSession(dir))!;
    expect(second.sessionId).not.toBe(first.sessionId);
    expect(await tokenWorks(first.sessionId)).toBe(false);
    expect(await tokenWorks(second.sessionId)).toBe(true);
    expect(await liveSessions(second.accountId)).toBe(1);
    // the revocation was a logout sent with the OLD token
    const logout = rec.requests.filter((r) => r.path === '/auth/logout');
    expect(logout).toHaveLength(1);
    expect(logout[0]!.headers['x-session-id']).toBe(first.sessionId);
  });
});
