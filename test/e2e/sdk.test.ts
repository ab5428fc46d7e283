/**
 * End to end through the real gateway (test/support/stack.ts: Postgres, every function, SMTP sink):
 * the SDK and the `somnus` CLI as a user would run them. Nothing here talks to the database or the
 * functions directly; passphrase-change codes are read from the SMTP sink like a user reads email.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptAES, decryptRSAWithJWK, encryptAES, encryptRSAWithJWK, generateAesJwk, WrongPassphraseError } from '@somnus/crypto';
import { SomnusClient } from '@somnus/client';
import { main, type CliIo } from '@somnus/client/src/cli';
import { loadSession } from '@somnus/client/src/cli/session-store';
import { startTestStack, type TestStack } from '../support/stack';
import { apiError } from '../support/api-error';

let stack: TestStack;
let n = 0;
/** A fresh address per scenario: accounts, rate limits and emails never collide between tests. */
const newEmail = (tag: string) => `${tag}.${process.pid}.${++n}@Example.com`;
const PASS = 'correct horse battery staple';
const NEW_PASS = 'a quite different passphrase';

beforeAll(async () => {
  stack = await startTestStack({ env: { LOG_LEVEL: 'silent' } });
});
afterAll(async () => {
  await stack?.stop();
});

const sdk = () => new SomnusClient({ baseUrl: stack.baseUrl });


/** The code from the newest passphrase-change email to `to` that we have not used yet. */
async function codeFromEmail(to: string, seen: number): Promise<string> {
  const message = await stack.smtp.waitForMessage(
    (m) => m.to.some((r) => r.toLowerCase() === to.toLowerCase()) && stack.smtp.messagesTo(to).indexOf(m) >= seen,
    15_000,
  );
  // the server's alphabet: A-Z without I and O, digits 2-9, 10 characters, on its own line
  const match = /^\s*([A-HJ-NP-Z2-9]{10})\s*$/m.exec(message.text);
  if (!match) throw new Error(`no code in email "${message.subject}": ${message.text}`);
  return match[1]!;
}

describe('SDK end to end', () => {
  it('signup, login, whoami, keys, profile and unwrapped keys that work', async () => {
    const email = newEmail('alice');
    const client = sdk();
    const signup = await client.signup({ email, passphrase: PASS, firstName: 'Alice', lastName: 'Liddell' });
    expect(signup.accountId).toMatch(/^acct_[0-9a-f]{32}$/);
    expect(signup.email).toBe(email.toLowerCase());
    expect(client.isLoggedIn).toBe(false);

    const login = await client.login({ email, passphrase: PASS });
    expect(login.accountId).toBe(signup.accountId);
    expect(login.sessionId).toMatch(/^[0-9a-f]{64}$/);

    const who = await client.whoami();
    expect(who).toMatchObject({ accountId: signup.accountId, email: email.toLowerCase(), firstName: 'Alice', lastName: 'Liddell' });
    expect(who.sessionAge).toBeGreaterThanOrEqual(0);
    expect(who.sessionExpiry).toBeGreaterThan(Date.now());

    const keys = await client.keys();
    expect(keys).toMatchObject({ publicKey: who.publicKey, encPrivateKey: who.encPrivateKey, encSymmetricKey: who.encSymmetricKey, saltEnc: who.saltEnc });
    const profile = await client.profile();
    expect(profile).toMatchObject({ id: signup.accountId, given_name: 'Alice', family_name: 'Liddell' });

    const unwrapped = await client.unwrapKeys(PASS);
    // a project key shared to this account: wrapped with the public key, opened with the private key
    const projectKey = generateAesJwk();
    const wrapped = encryptRSAWithJWK(unwrapped.publicJwk, JSON.stringify(projectKey));
    expect(JSON.parse(decryptRSAWithJWK(unwrapped.privateJwk, wrapped))).toEqual(projectKey);
    // and the account key encrypts/decrypts
    expect(decryptAES(unwrapped.symmetricKey, encryptAES(unwrapped.symmetricKey, 'hello ✓'))).toBe('hello ✓');
    expect(JSON.parse(who.publicKey)).toMatchObject({ n: unwrapped.publicJwk.n, e: unwrapped.publicJwk.e });

    await expect(client.unwrapKeys('not the passphrase')).rejects.toBeInstanceOf(WrongPassphraseError);
  });

  it('duplicate signup is 409 EMAIL_TAKEN (case-insensitively); wrong passphrase is 401 INVALID_CREDENTIALS', async () => {
    const email = newEmail('bob');
    await sdk().signup({ email, passphrase: PASS });

    const dup = await apiError(sdk().signup({ email: email.toUpperCase(), passphrase: 'another one' }));
    expect(dup).toMatchObject({ status: 409, code: 'EMAIL_TAKEN' });

    const client = sdk();
    const wrong = await apiError(client.login({ email, passphrase: 'wrong passphrase' }));
    expect(wrong).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
    expect(client.isLoggedIn).toBe(false);

    // an unknown email fails exactly like a wrong passphrase
    const unknown = await apiError(sdk().login({ email: newEmail('nobody'), passphrase: PASS }));
    expect(unknown).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
  });

  it('passphrase change with the emailed code: other sessions end, keys stay, only the new passphrase logs in', async () => {
    const email = newEmail('carol');
    const mail = email.toLowerCase();
    await sdk().signup({ email, passphrase: PASS });

    const main_ = sdk();
    await main_.login({ email, passphrase: PASS });
    const other = sdk();
    await other.login({ email, passphrase: PASS });
    const before = await main_.unwrapKeys(PASS);

    const seen = stack.smtp.messagesTo(mail).length;
    await main_.sendPasswordCode();
    const code = await codeFromEmail(mail, seen);

    // a wrong current passphrase fails locally and does not spend the code
    await expect(main_.changePassphrase({ currentPassphrase: 'wrong', newPassphrase: NEW_PASS, code })).rejects.toBeInstanceOf(
      WrongPassphraseError,
    );
    // a wrong code is refused by the server
    const badCode = await apiError(main_.changePassphrase({ currentPassphrase: PASS, newPassphrase: NEW_PASS, code: 'ZZZZZZZZZZ' }));
    expect(badCode).toMatchObject({ status: 400, code: 'INVALID_CODE' });

    await main_.changePassphrase({ currentPassphrase: PASS, newPassphrase: NEW_PASS, code });

    // the session that made the change survives, the other one is revoked
    await expect(main_.whoami()).resolves.toMatchObject({ email: mail });
    expect(await apiError(other.whoami())).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });

    // the code was single-use
    const reuse = await apiError(main_.changePassphrase({ currentPassphrase: NEW_PASS, newPassphrase: PASS, code }));
    expect(reuse.status).toBeGreaterThanOrEqual(400);
    expect(reuse.status).toBeLessThan(500);

    expect(await apiError(sdk().login({ email, passphrase: PASS }))).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
    const fresh = sdk();
    await fresh.login({ email, passphrase: NEW_PASS });
    const after = await fresh.unwrapKeys(NEW_PASS);
    expect(after.symmetricKey).toEqual(before.symmetricKey);
    expect(after.privateJwk).toEqual(before.privateJwk);
    await expect(fresh.unwrapKeys(PASS)).rejects.toBeInstanceOf(WrongPassphraseError);
  });

  it('logout revokes the session; sessions can be listed and revoked', async () => {
    const email = newEmail('dave');
    await sdk().signup({ email, passphrase: PASS });
    const a = sdk();
    await a.login({ email, passphrase: PASS });
    const b = sdk();
    await b.login({ email, passphrase: PASS });

    const sessions = await a.listSessions();
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions.every((s) => s.client?.startsWith('somnus-cli::'))).toBe(true);
    const otherId = sessions.find((s) => !s.current)!.id;
    await a.revokeSession(otherId);
    expect(await apiError(b.whoami())).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(await apiError(a.revokeSession(otherId))).toMatchObject({ status: 404, code: 'NOT_FOUND' });

    const token = a.sessionId!;
    await a.logout();
    expect(a.isLoggedIn).toBe(false);
    const stale = new SomnusClient({ baseUrl: stack.baseUrl, sessionId: token });
    expect(await apiError(stale.whoami())).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('an rfc2945-profile account signs up, logs in, and changes its passphrase', async () => {
    const email = newEmail('erin');
    const mail = email.toLowerCase();
    const client = sdk();
    await client.signup({ email, passphrase: PASS, srpProfile: 'rfc2945' });
    // the insomnia dialect cannot prove this account
    expect(await apiError(sdk().login({ email, passphrase: PASS }))).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    const login = await client.login({ email, passphrase: PASS, srpProfile: 'rfc2945' });
    expect(login.srpProfile).toBe('rfc2945');
    await expect(client.unwrapKeys(PASS)).resolves.toHaveProperty('publicJwk');

    const seen = stack.smtp.messagesTo(mail).length;
    await client.sendPasswordCode();
    await client.changePassphrase({ currentPassphrase: PASS, newPassphrase: NEW_PASS, code: await codeFromEmail(mail, seen) });
    const fresh = sdk();
    await expect(fresh.login({ email, passphrase: NEW_PASS, srpProfile: 'rfc2945' })).resolves.toMatchObject({ accountId: login.accountId });
    await expect(fresh.unwrapKeys(NEW_PASS)).resolves.toHaveProperty('symmetricKey');
    expect(await apiError(sdk().login({ email, passphrase: PASS, srpProfile: 'rfc2945' }))).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });
});

describe('somnus CLI end to end', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'somnus-e2e-cli-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function cli(env: Record<string, string>) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      env: { SOMNUS_CONFIG_DIR: join(dir, 'somnus'), SOMNUS_URL: stack.baseUrl, ...env },
      prompt: async (q) => {
        throw new Error(`unexpected prompt: ${q}`);
      },
    };
    return { out, err, run: (...argv: string[]) => main(argv, io), all: () => out.join('') + err.join('') };
  }

  it('signup → login → whoami → logout, never printing the session id or the passphrase', async () => {
    const email = newEmail('frank');
    const c = cli({ SOMNUS_PASSPHRASE: PASS });

    expect(await c.run('signup', '--email', email, '--first-name', 'Frank')).toBe(0);
    expect(await c.run('login', '--email', email)).toBe(0);
    const session = (await loadSession(join(dir, 'somnus')))!;
    expect(session.sessionId).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(join(dir, 'somnus', 'session.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'somnus'))).mode & 0o777).toBe(0o700);

    // the saved token is a real session
    await expect(new SomnusClient({ baseUrl: stack.baseUrl, sessionId: session.sessionId }).whoami()).resolves.toMatchObject({
      accountId: session.accountId,
    });

    expect(await c.run('whoami')).toBe(0);
    const who = c.out.join('');
    expect(who).toContain(`account:  ${session.accountId}`);
    expect(who).toContain(`email:    ${email.toLowerCase()}`);
    expect(who).toContain('name:     Frank');
    expect(who).toMatch(/session:  age \d+s, expires \d{4}-\d\d-\d\dT/);
    expect(who).toMatch(/key:      fingerprint \d{5}( \d{5}){5} \(/);
    expect(who).toMatch(/keys:     unwrapped OK \(RSA-2048, fingerprint \d{5}( \d{5}){5}\)/);

    expect(await c.run('sessions')).toBe(0);
    expect(c.out.join('')).toMatch(/1 session \(\* = this one\)/);

    expect(await c.run('logout')).toBe(0);
    expect(await loadSession(join(dir, 'somnus'))).toBeNull();
    const stale = new SomnusClient({ baseUrl: stack.baseUrl, sessionId: session.sessionId });
    expect(await apiError(stale.whoami())).toMatchObject({ status: 401 });

    expect(c.err.filter((l) => l.startsWith('somnus:'))).toEqual([]);
    expect(c.all()).not.toContain(session.sessionId);
    expect(c.all()).not.toContain(PASS);
  });

  it('reports server errors as one line with the code and exit 1', async () => {
    const email = newEmail('gina');
    const c = cli({ SOMNUS_PASSPHRASE: PASS });
    expect(await c.run('signup', '--email', email)).toBe(0);
    expect(await c.run('signup', '--email', email)).toBe(1);
    expect(c.err.at(-1)).toMatch(/^somnus: EMAIL_TAKEN: .+\n$/);

    const wrong = cli({ SOMNUS_PASSPHRASE: 'wrong passphrase' });
    expect(await wrong.run('login', '--email', email)).toBe(1);
    expect(wrong.err).toEqual([expect.stringMatching(/^somnus: INVALID_CREDENTIALS: .+\n$/)]);
    expect(wrong.all()).not.toContain('wrong passphrase');
    expect(await loadSession(join(dir, 'somnus'))).toBeNull();
  });

  it('passphrase change through the CLI with the code from the email', async () => {
    const email = newEmail('hank');
    const mail = email.toLowerCase();
    const c = cli({ SOMNUS_PASSPHRASE: PASS, SOMNUS_NEW_PASSPHRASE: NEW_PASS });
    expect(await c.run('signup', '--email', email)).toBe(0);
    expect(await c.run('login', '--email', email)).toBe(0);
    const seen = stack.smtp.messagesTo(mail).length;
    expect(await c.run('passphrase', 'send-code')).toBe(0);
    const code = await codeFromEmail(mail, seen);
    expect(await c.run('passphrase', 'change', '--code', code)).toBe(0);
    expect(c.out.join('')).toMatch(/Passphrase changed/);

    const relogin = cli({ SOMNUS_PASSPHRASE: NEW_PASS });
    expect(await relogin.run('login', '--email', email)).toBe(0);
    expect(await relogin.run('whoami')).toBe(0);
    expect(relogin.out.join('')).toMatch(/unwrapped OK/);
    const token = (await loadSession(join(dir, 'somnus')))!.sessionId;
    for (const s of [PASS, NEW_PASS, token]) expect(c.all() + relogin.all()).not.toContain(s);
  });
});
