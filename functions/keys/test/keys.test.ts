import { unwrapAccountKeys } from '@somnus/crypto';
import { resetConfig } from '@somnus/runtime';
import { startFunctions } from '../../../test/support/function-server';
import { login, newAccount } from '../../../test/support/accounts';

let h: Awaited<ReturnType<typeof startFunctions>>;

beforeAll(async () => {
  h = await startFunctions('auth', 'keys');
});
afterAll(async () => h?.stop());

describe('keys function', () => {
  it("GET /v1/keys returns exactly the caller's stored key material, which unwraps", async () => {
    const account = await newAccount('keys@example.com', 'pass');
    const signup = await h.auth.post('/auth/signup', account.signupBody);
    const session = await login(h.auth, 'keys@example.com', 'pass');
    const res = await h.keys.get('/v1/keys', { 'X-Session-Id': session.token! });
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json');
    expect(res.body).toEqual({
      publicKey: account.material.publicKey,
      encPrivateKey: account.material.encPrivateKey,
      encSymmetricKey: account.material.encSymmetricKey,
      saltEnc: account.material.saltEnc,
    });
    const keys = await unwrapAccountKeys({ passphrase: 'pass', email: 'keys@example.com', ...res.body });
    expect(keys.publicJwk.n).toBe(JSON.parse(account.material.publicKey).n);

    const profile = await h.keys.get('/v1/user/profile', { 'X-Session-Id': session.token! });
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({ id: signup.body.accountId, email: 'keys@example.com', name: 'Test User', given_name: 'Test' });
  });

  it('another account gets its own keys, never the first one', async () => {
    const a = await newAccount('a-keys@example.com', 'pass');
    const b = await newAccount('b-keys@example.com', 'pass');
    await h.auth.post('/auth/signup', a.signupBody);
    await h.auth.post('/auth/signup', b.signupBody);
    const sb = await login(h.auth, 'b-keys@example.com', 'pass');
    const res = await h.keys.get('/v1/keys', { 'X-Session-Id': sb.token! });
    expect(res.body.publicKey).toBe(b.material.publicKey);
    expect(res.body.encPrivateKey).not.toBe(a.material.encPrivateKey);
  });

  it('requires a live session', async () => {
    for (const path of ['/v1/keys', '/v1/user/profile']) {
      const res = await h.keys.get(path);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'UNAUTHORIZED', message: expect.any(String) });
    }
  });
});

describe('config per need', () => {
  it('serves with no server secret and no SMTP configured: keys reads only the database', async () => {
    const account = await newAccount('no-secret@example.com', 'pass');
    await h.auth.post('/auth/signup', account.signupBody);
    const session = await login(h.auth, 'no-secret@example.com', 'pass');
    const saved = { secret: process.env.SOMNUS_SERVER_SECRET, smtp: process.env.SMTP_URL };
    delete process.env.SOMNUS_SERVER_SECRET;
    delete process.env.SMTP_URL;
    resetConfig();
    try {
      for (const path of ['/v1/keys', '/v1/user/profile']) {
        expect({ path, status: (await h.keys.get(path, { 'X-Session-Id': session.token! })).status }).toEqual({ path, status: 200 });
      }
      // the control: auth does need the secret, so the environment really is without one
      expect((await h.auth.post('/auth/login-s', { email: 'no-secret@example.com' })).status).toBe(500);
    } finally {
      Object.assign(process.env, { SOMNUS_SERVER_SECRET: saved.secret, SMTP_URL: saved.smtp });
      resetConfig();
    }
  });
});
