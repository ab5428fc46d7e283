import { deriveKey, rewrapAccountKey, unwrapAccountKeys } from '@somnus/crypto';
import { setLogDestination } from '@somnus/runtime';
import { computeVerifier } from '@somnus/srp';
import { startFunctions } from '../support/function-server';
import { extractCode, mailsSettled, newestQueued } from '../support/smtp';
import { latestVerificationMail, login, newAccount, VERIFICATION_SUBJECT, verificationToken } from '../support/accounts';

/**
 * Runs a whole signup / login / passphrase change / logout, including failures, while capturing every
 * log line and everything written to stdout and stderr; then searches it for every secret involved.
 */
const lines: string[] = [];
/** What reaches console.error after the functions' filter: Express reports requests it refuses there. */
const consoleErrors: string[] = [];
let h: Awaited<ReturnType<typeof startFunctions>>;

beforeAll(async () => {
  process.env.LOG_LEVEL = 'info'; // every request line must be written, to be searched
  setLogDestination({ write: (line: string) => void lines.push(line) });
  // installed before the functions load, so it sits behind their filter, where the real console is
  console.error = (...args: unknown[]) => void consoleErrors.push(args.map((a) => (a instanceof Error ? `${a.stack} ${JSON.stringify(a)}` : String(a))).join(' '));
  h = await startFunctions('auth', 'keys');
});
afterAll(async () => {
  setLogDestination(process.stdout);
  await h?.stop();
});

it('no secret, salt, verifier, key, ciphertext, code or session id appears in any log line', async () => {
  const spies = [jest.spyOn(process.stdout, 'write'), jest.spyOn(process.stderr, 'write')];
  const email = 'logs@example.com';
  const OLD = 'first passphrase';
  const NEW = 'second passphrase';
  const account = await newAccount(email, OLD);
  const secrets: string[] = [OLD, NEW, account.material.authSecretHex, account.signupBody.verifier as string];

  // a body that is not JSON is refused by the framework's parser before the router runs; what it carried must not be logged
  const malformed = await h.auth.post('/auth/login-s', `{"email":"${email}","x": ${OLD}}`, { 'Content-Type': 'application/json' });
  expect({ status: malformed.status, error: malformed.body.error }).toEqual({ status: 400, error: 'VALIDATION_ERROR' });
  expect((await h.auth.post('/auth/signup', account.signupBody)).status).toBe(200);
  expect((await h.auth.post('/auth/signup', account.signupBody)).status).toBe(409);
  const bad = await login(h.auth, email, 'wrong passphrase');
  expect(bad.status).toBe(401);
  const session = await login(h.auth, email, OLD);
  expect(session.status).toBe(200);
  const auth = { 'X-Session-Id': session.token! };
  expect((await h.auth.get('/auth/whoami', auth)).status).toBe(200);
  expect((await h.keys.get('/v1/keys', auth)).status).toBe(200);
  expect((await h.keys.get('/v1/user/profile', auth)).status).toBe(200);
  // the verification email's code (typed wrong, then resent) and link (followed) stay out of the logs too
  const verification = await latestVerificationMail(h.smtp, email);
  const verificationCode = extractCode(verification);
  expect((await h.auth.post('/auth/verify', { code: 'WRONGWRONG' }, auth)).status).toBe(400);
  expect((await h.auth.post('/auth/verify', undefined, auth)).status).toBe(200);
  // the resent email goes through the outbox after the answer: wait for the second one, the newest queued
  const resent = newestQueued(await mailsSettled(() => h.smtp.messagesTo(email).filter((m) => VERIFICATION_SUBJECT.test(m.subject)), 2));
  const linkToken = verificationToken(resent);
  expect((await h.auth.get(`/auth/verify?token=${linkToken}`)).status).toBe(200);
  expect((await h.auth.post('/auth/send-password-code', undefined, auth)).status).toBe(200);
  const mail = await h.smtp.waitForMessage((m) => m.to.includes(email) && /passphrase change code/.test(m.subject), 10_000);
  const code = extractCode(mail);

  const keys = await unwrapAccountKeys({ passphrase: OLD, email, ...account.material });
  const newSecret = await deriveKey(NEW, email, account.material.saltKey);
  const newVerifier = computeVerifier('insomnia', email, account.material.saltAuth, Buffer.from(newSecret, 'hex'));
  const newEnc = await rewrapAccountKey(keys.symmetricKey, NEW, email, account.material.saltEnc);
  const change = { code, newEmail: email, encSymmetricKey: account.material.encSymmetricKey, newVerifier, newEncSymmetricKey: newEnc };
  expect((await h.auth.post('/auth/change-password', { ...change, code: 'WRONGWRONG' }, auth)).status).toBe(400);
  expect((await h.auth.post('/auth/change-password', change, auth)).status).toBe(200);
  const again = await login(h.auth, email, NEW);
  expect(again.status).toBe(200);
  const sessions = await h.auth.get('/v1/user/sessions', { 'X-Session-Id': again.token! });
  expect((await h.auth.post('/auth/logout', undefined, { 'X-Session-Id': again.token! })).status).toBe(200);
  expect((await h.auth.get('/auth/whoami', { 'X-Session-Id': again.token! })).status).toBe(401);

  const written = spies.flatMap((s) => s.mock.calls.map((c) => String(c[0])));
  spies.forEach((s) => s.mockRestore());

  for (const attempt of [bad, session, again]) {
    secrets.push(attempt.steps.srpA, attempt.steps.srpB!, attempt.steps.srpM1!, attempt.steps.sessionStarterId!);
    if (attempt.token) secrets.push(attempt.token, attempt.body.srpM2);
  }
  secrets.push(
    account.material.saltKey,
    account.material.saltAuth,
    account.material.saltEnc,
    JSON.parse(account.material.encPrivateKey).d.slice(0, 64),
    JSON.parse(account.material.encSymmetricKey).d,
    JSON.parse(newEnc).d,
    JSON.parse(account.material.publicKey).n.slice(0, 64),
    keys.symmetricKey.k,
    keys.privateJwk.d.slice(0, 64),
    newVerifier,
    newSecret,
    code,
    verificationCode,
    extractCode(resent),
    verificationToken(verification),
    linkToken,
    ...sessions.body.sessions.map((s: { id: string }) => s.id),
  );

  const all = [...lines, ...written, ...consoleErrors].join('\n');
  // the refused body left one line that says so, with its status and nothing it carried
  expect(lines.filter((l) => l.includes('request_refused_by_framework'))).toHaveLength(1);
  expect(lines.length).toBeGreaterThan(10); // the run was logged at all
  expect(lines.every((l) => 'severity' in JSON.parse(l))).toBe(true);
  for (const secret of secrets) {
    expect(typeof secret).toBe('string');
    expect(secret.length).toBeGreaterThanOrEqual(8);
    if (all.includes(secret)) throw new Error(`a log line contains a secret (${secret.slice(0, 6)}…)`);
    if (all.toLowerCase().includes(secret.toLowerCase())) throw new Error(`a log line contains a secret in another case (${secret.slice(0, 6)}…)`);
  }
});
