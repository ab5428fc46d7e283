import { deriveKey, rewrapAccountKey, unwrapAccountKeys } from '@somnus/crypto';
import { computeClientSession, computeVerifier, createClientEphemeral } from '@somnus/srp';
import { startFunctions } from '../../../test/support/function-server';
import { extractCode } from '../../../test/support/smtp';
import { login, newAccount } from '../../../test/support/accounts';

type Harness = Awaited<ReturnType<typeof startFunctions>>;
let h: Harness;

beforeAll(async () => {
  h = await startFunctions('auth');
});
afterAll(async () => h?.stop());

const OLD = 'old passphrase';
const NEW = 'brand new passphrase';

async function setup(email: string) {
  const account = await newAccount(email, OLD);
  const res = await h.http.post('/auth/signup', account.signupBody);
  expect(res.status).toBe(200);
  const session = await login(h.http, email, OLD);
  const other = await login(h.http, email, OLD);
  return { account, accountId: res.body.accountId as string, token: session.token!, otherToken: other.token! };
}

/** What an L22 client sends: same salts, new verifier, the existing account key re-wrapped. */
async function changeBody(email: string, account: Awaited<ReturnType<typeof newAccount>>, code: string) {
  const keys = await unwrapAccountKeys({ passphrase: OLD, email, ...account.material });
  const authSecret = await deriveKey(NEW, email, account.material.saltKey);
  return {
    code,
    newEmail: email,
    encSymmetricKey: account.material.encSymmetricKey,
    newVerifier: computeVerifier('insomnia', email, account.material.saltAuth, Buffer.from(authSecret, 'hex')),
    newEncSymmetricKey: await rewrapAccountKey(keys.symmetricKey, NEW, email, account.material.saltEnc),
  };
}

async function requestCode(email: string, token: string): Promise<string> {
  const res = await h.http.post('/auth/send-password-code', undefined, { 'X-Session-Id': token });
  expect(res.status).toBe(200);
  const mail = await h.smtp.waitForMessage((m) => m.to.includes(email) && /passphrase change code/.test(m.subject), 10_000);
  return extractCode(mail);
}

async function verifierOf(accountId: string): Promise<string> {
  const { rows } = await h.db.query('SELECT verifier FROM accounts WHERE id = $1', [accountId]);
  return rows[0].verifier;
}

describe('passphrase change (L22 flow)', () => {
  it('changes the passphrase atomically, keeps the keys, revokes other sessions', async () => {
    const email = 'change@example.com';
    const { account, token, otherToken } = await setup(email);
    const code = await requestCode(email, token);
    const { rows: codes } = await h.db.query("SELECT code_hash FROM account_codes WHERE purpose = 'password_change'");
    expect(codes.some((r) => r.code_hash.toString('utf8').includes(code))).toBe(false); // stored hashed

    const res = await h.http.post('/auth/change-password', await changeBody(email, account, code), { 'X-Session-Id': token });
    expect(res.status).toBe(200);

    expect((await h.http.get('/auth/whoami', { 'X-Session-Id': token })).status).toBe(200);
    expect((await h.http.get('/auth/whoami', { 'X-Session-Id': otherToken })).status).toBe(401);
    expect((await login(h.http, email, OLD)).status).toBe(401);
    const fresh = await login(h.http, email, NEW);
    expect(fresh.status).toBe(200);

    const me = await h.http.get('/auth/whoami', { 'X-Session-Id': fresh.token! });
    const before = await unwrapAccountKeys({ passphrase: OLD, email, ...account.material });
    const after = await unwrapAccountKeys({ passphrase: NEW, email, ...me.body });
    expect(after.symmetricKey).toEqual(before.symmetricKey);
    expect(me.body.encPrivateKey).toBe(account.material.encPrivateKey);
    expect(me.body.saltEnc).toBe(account.material.saltEnc);

    const reuse = await h.http.post('/auth/change-password', await changeBody(email, account, code), { 'X-Session-Id': token });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('INVALID_CODE');
  });

  it('a wrong code changes nothing, and five wrong codes burn the code', async () => {
    const email = 'guess@example.com';
    const { account, accountId, token } = await setup(email);
    const code = await requestCode(email, token);
    const before = await verifierOf(accountId);
    for (let i = 0; i < 5; i++) {
      const res = await h.http.post('/auth/change-password', await changeBody(email, account, 'WRONGCODE' + i), { 'X-Session-Id': token });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('INVALID_CODE');
    }
    const res = await h.http.post('/auth/change-password', await changeBody(email, account, code), { 'X-Session-Id': token });
    expect(res.status).toBe(400);
    expect(await verifierOf(accountId)).toBe(before);
  });

  it('an expired code gets 410 CODE_EXPIRED and changes nothing', async () => {
    const email = 'late@example.com';
    const { account, accountId, token } = await setup(email);
    const code = await requestCode(email, token);
    await h.db.query("UPDATE account_codes SET expires_at = now() - interval '1 second' WHERE account_id = $1", [accountId]);
    const before = await verifierOf(accountId);
    const res = await h.http.post('/auth/change-password', await changeBody(email, account, code), { 'X-Session-Id': token });
    expect(res.status).toBe(410);
    expect(res.body.error).toBe('CODE_EXPIRED');
    expect(await verifierOf(accountId)).toBe(before);
  });

  it('refuses a stale encSymmetricKey and changes nothing', async () => {
    const email = 'stale@example.com';
    const { account, accountId, token } = await setup(email);
    const code = await requestCode(email, token);
    const before = await verifierOf(accountId);
    const body = { ...(await changeBody(email, account, code)), encSymmetricKey: account.material.encPrivateKey };
    const res = await h.http.post('/auth/change-password', body, { 'X-Session-Id': token });
    expect(res.status).toBe(400);
    expect(await verifierOf(accountId)).toBe(before);
  });

  it('refuses a different newEmail (the code proves only the current mailbox), changes nothing, costs no attempt', async () => {
    const email = 'rename@example.com';
    const { account, accountId, token } = await setup(email);
    const code = await requestCode(email, token);
    const before = (await h.db.query('SELECT email, verifier, enc_symmetric_key FROM accounts WHERE id = $1', [accountId])).rows[0];
    for (const other of ['dave@acme.test', 'rename2@example.com']) {
      const res = await h.http.post('/auth/change-password', { ...(await changeBody(email, account, code)), newEmail: other }, { 'X-Session-Id': token });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'VALIDATION_ERROR', message: 'changing the email address is not supported' });
    }
    expect((await h.db.query('SELECT email, verifier, enc_symmetric_key FROM accounts WHERE id = $1', [accountId])).rows[0]).toEqual(before);
    expect((await h.db.query("SELECT attempts, used_at FROM account_codes WHERE account_id = $1 AND purpose = 'password_change'", [accountId])).rows).toEqual([{ attempts: 0, used_at: null }]);
    expect((await login(h.http, 'dave@acme.test', OLD)).status).toBe(401);
    // the same email in another case is the same address (normalised), so the unchanged-email change still works
    const res = await h.http.post('/auth/change-password', { ...(await changeBody(email, account, code)), newEmail: 'ReName@EXAMPLE.com' }, { 'X-Session-Id': token });
    expect(res.status).toBe(200);
  });

  it('a login started with the old passphrase before the change cannot finish after it', async () => {
    const email = 'inflight@example.com';
    const { account, token } = await setup(email);
    const eph = createClientEphemeral();
    const a = await h.http.post('/auth/login-a', { email, srpA: eph.AHex });
    expect(a.status).toBe(200);
    const oldSecret = await deriveKey(OLD, email, account.material.saltKey);
    const proof = computeClientSession({
      profile: 'insomnia', identity: email, saltHex: account.material.saltAuth, password: Buffer.from(oldSecret, 'hex'),
      aHex: eph.aHex, AHex: eph.AHex, BHex: a.body.srpB,
    });
    const code = await requestCode(email, token);
    expect((await h.http.post('/auth/change-password', await changeBody(email, account, code), { 'X-Session-Id': token })).status).toBe(200);
    const late = await h.http.post('/auth/login-m1', { sessionStarterId: a.body.sessionStarterId, srpM1: proof.M1Hex });
    expect(late.status).toBe(401);
    expect(late.body.srpM2).toBeUndefined();
  });

  it('requires a session for both steps', async () => {
    expect((await h.http.post('/auth/send-password-code')).status).toBe(401);
    expect((await h.http.post('/auth/change-password', {})).status).toBe(401);
  });
});
