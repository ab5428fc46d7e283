import { startFunctions } from '../support/function-server';
import { login, newAccount } from '../support/accounts';

/** An unknown email must look like a real one until M1, and fail there exactly like a wrong passphrase. */
type Harness = Awaited<ReturnType<typeof startFunctions>>;
let h: Harness;

beforeAll(async () => {
  h = await startFunctions('auth');
  const account = await newAccount('real@example.com', 'pass');
  expect((await h.http.post('/auth/signup', account.signupBody)).status).toBe(200);
});
afterAll(async () => h?.stop());

describe('unknown email', () => {
  it('login-s returns deterministic fake salts of the real shape', async () => {
    const a = await h.http.post('/auth/login-s', { email: 'ghost@example.com' });
    const b = await h.http.post('/auth/login-s', { email: ' GHOST@example.com ' });
    const other = await h.http.post('/auth/login-s', { email: 'ghost2@example.com' });
    const real = await h.http.post('/auth/login-s', { email: 'real@example.com' });
    expect(a.status).toBe(200);
    expect(Object.keys(a.body).sort()).toEqual(Object.keys(real.body).sort());
    expect(a.body.saltKey).toMatch(/^[0-9a-f]{64}$/);
    expect(a.body.saltAuth).toMatch(/^[0-9a-f]{64}$/);
    expect(a.body.saltKey).not.toBe(a.body.saltAuth);
    expect(b.body).toEqual(a.body);
    expect(other.body.saltKey).not.toBe(a.body.saltKey);
  });

  it('the fake salts depend on the server secret (not a plain hash of the email)', async () => {
    const { createHash, createHmac } = await import('node:crypto');
    const res = await h.http.post('/auth/login-s', { email: 'ghost@example.com' });
    expect(res.body.saltKey).not.toBe(createHash('sha256').update('ghost@example.com').digest('hex'));
    expect(res.body.saltKey).not.toBe(createHmac('sha256', '').update('ghost@example.com').digest('hex'));
  });

  it('login-a answers like a real account, and M1 fails with the same error as a wrong passphrase', async () => {
    const ghost = await login(h.http, 'ghost@example.com', 'anything');
    const wrong = await login(h.http, 'real@example.com', 'not it');
    expect(ghost.steps.sessionStarterId).toMatch(/^lss_[A-Za-z0-9_-]+$/);
    expect(ghost.steps.srpB).toMatch(/^[0-9a-f]{512}$/);
    expect(ghost.status).toBe(wrong.status);
    expect(ghost.body).toEqual(wrong.body);
    expect(ghost.body.error).toBe('INVALID_CREDENTIALS');
  });

  it('login-a writes nothing for it, and its starter looks like a real one for an email of the same length', async () => {
    const rows = async () => (await h.db.query(`SELECT (SELECT count(*) FROM login_starters_used)::int AS used, (SELECT count(*) FROM rate_counters WHERE email <> '')::int AS per_email`)).rows[0];
    const before = await rows();
    const srpA = 'ab'.repeat(256);
    const ghost = await h.http.post('/auth/login-a', { email: 'gone@example.com', srpA });
    const real = await h.http.post('/auth/login-a', { email: 'real@example.com', srpA });
    expect(ghost.status).toBe(200);
    expect(Object.keys(ghost.body).sort()).toEqual(Object.keys(real.body).sort());
    expect(ghost.body.sessionStarterId).toHaveLength(real.body.sessionStarterId.length);
    expect(await rows()).toEqual(before);
  });
});
