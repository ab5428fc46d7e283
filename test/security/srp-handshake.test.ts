import crypto from 'node:crypto';
import { deriveKey } from '@somnus/crypto';
import { computeClientSession, createClientEphemeral, N_HEX } from '@somnus/srp';
import { startFunctions } from '../support/function-server';
import { login, newAccount, type TestAccount } from '../support/accounts';

/** The SRP rules of docs/architecture.md §7, each as a test that fails if the protection is removed. */
type Harness = Awaited<ReturnType<typeof startFunctions>>;
let h: Harness;
let account: TestAccount;
const N = BigInt(`0x${N_HEX}`);
const hex512 = (n: bigint) => n.toString(16).padStart(512, '0');

beforeAll(async () => {
  h = await startFunctions('auth');
  account = await newAccount('srp@example.com', 'pass');
  expect((await h.http.post('/auth/signup', account.signupBody)).status).toBe(200);
});
afterAll(async () => h?.stop());

/** Every row login-a or M1 may write: counters and used starters. */
async function loginRows(): Promise<number> {
  const { rows } = await h.db.query(
    `SELECT (SELECT coalesce(sum(hits), 0) FROM rate_counters WHERE scope <> 'signup:ip')::int
          + (SELECT count(*) FROM login_starters_used)::int AS n`,
  );
  return rows[0].n;
}

/** login-s and login-a, and the right M1, not sent yet. */
async function handshake(): Promise<{ sessionStarterId: string; srpM1: string }> {
  const salts = await h.http.post('/auth/login-s', { email: account.email });
  const authSecret = await deriveKey(account.passphrase, account.email, salts.body.saltKey);
  const eph = createClientEphemeral();
  const a = await h.http.post('/auth/login-a', { email: account.email, srpA: eph.AHex });
  expect(a.status).toBe(200);
  const session = computeClientSession({
    profile: 'insomnia', identity: account.email, saltHex: salts.body.saltAuth, password: Buffer.from(authSecret, 'hex'),
    aHex: eph.aHex, AHex: eph.AHex, BHex: a.body.srpB,
  });
  return { sessionStarterId: a.body.sessionStarterId, srpM1: session.M1Hex };
}

describe('client public value A', () => {
  it.each([
    ['A = 0', hex512(0n)],
    ['A = N', hex512(N)],
    ['A = 2N (mod N == 0)', (2n * N).toString(16)],
    ['A = N + 1 (≥ N)', hex512(N + 1n)],
    ['A = 0 unpadded', '0'],
    ['A of 511 hex', hex512(12345n).slice(1)],
    ['A of 510 hex (unpadded, even)', hex512(12345n).slice(2)],
    ['A in upper case', hex512(N - 1n).toUpperCase()],
  ])('%s is refused with 400 and nothing is counted or stored', async (_name, srpA) => {
    const before = await loginRows();
    const res = await h.http.post('/auth/login-a', { email: 'srp@example.com', srpA });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('VALIDATION_ERROR');
    expect(await loginRows()).toBe(before);
  });
});

describe('login sessions (sessionStarterId)', () => {
  it('login-a stores no handshake: only the source is counted', async () => {
    const count = async () => (await h.db.query(`SELECT (SELECT count(*) FROM rate_counters)::int AS counters, (SELECT count(*) FROM login_starters_used)::int AS used`)).rows[0];
    const before = await count();
    for (let i = 0; i < 5; i++) expect((await h.http.post('/auth/login-a', { email: `nobody${i}@example.com`, srpA: 'ab'.repeat(256) })).status).toBe(200);
    const after = await count();
    expect(after.used).toBe(before.used);
    expect(after.counters - before.counters).toBeLessThanOrEqual(1);
    const { rows } = await h.db.query(`SELECT scope FROM rate_counters WHERE email LIKE 'nobody%'`);
    expect(rows).toEqual([]);
  });

  it('are single-use: replaying a successful M1 is refused', async () => {
    const ok = await login(h.http, 'srp@example.com', 'pass');
    expect(ok.status).toBe(200);
    const replay = await h.http.post('/auth/login-m1', { sessionStarterId: ok.steps.sessionStarterId, srpM1: ok.steps.srpM1 });
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('LOGIN_SESSION_INVALID');
    expect(replay.body.srpM2).toBeUndefined();
  });

  it('are good for one proof: the right proof after a wrong one is refused', async () => {
    const { sessionStarterId, srpM1 } = await handshake();
    const wrong = await h.http.post('/auth/login-m1', { sessionStarterId, srpM1: 'ab'.repeat(32) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('INVALID_CREDENTIALS');
    const right = await h.http.post('/auth/login-m1', { sessionStarterId, srpM1 });
    expect(right.status).toBe(401);
    expect(right.body.error).toBe('LOGIN_SESSION_INVALID');
    expect(right.body.srpM2).toBeUndefined();
  });

  it('expire after 5 minutes', async () => {
    const early = await handshake();
    const late = await handshake();
    // only Date moves: timers, sockets and the database run as usual
    jest.useFakeTimers({ doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    try {
      jest.setSystemTime(Date.now() + 4 * 60 * 1000 + 50 * 1000);
      expect((await h.http.post('/auth/login-m1', early)).status).toBe(200);
      jest.setSystemTime(Date.now() + 20 * 1000);
      const expired = await h.http.post('/auth/login-m1', late);
      expect(expired.status).toBe(401);
      expect(expired.body.error).toBe('LOGIN_SESSION_INVALID');
    } finally {
      jest.useRealTimers();
    }
  });

  it('a wrong M1 gets no M2 and opens no session', async () => {
    const { sessionStarterId, srpM1 } = await handshake();
    const { rows } = await h.db.query('SELECT count(*)::int AS n FROM sessions');
    const flipped = srpM1.slice(0, 63) + (srpM1.endsWith('0') ? '1' : '0');
    const res = await h.http.post('/auth/login-m1', { sessionStarterId, srpM1: flipped });
    expect(res.status).toBe(401);
    expect(res.body.srpM2).toBeUndefined();
    const after = await h.db.query('SELECT count(*)::int AS n FROM sessions');
    expect(after.rows[0].n).toBe(rows[0].n);
  });

  it('an unknown, malformed, forged or altered sessionStarterId is refused, and counts as nothing', async () => {
    const { sessionStarterId, srpM1 } = await handshake();
    const raw = Buffer.from(sessionStarterId.slice(4), 'base64url');
    const altered = Buffer.from(raw);
    altered[raw.length - 300] = altered[raw.length - 300]! ^ 1; // inside the sealed A
    const before = await loginRows();
    for (const starter of [
      `lss_${'0'.repeat(32)}`,
      'garbage',
      `lss_${crypto.randomBytes(raw.length).toString('base64url')}`,
      `lss_${altered.toString('base64url')}`,
      `lss_${raw.subarray(0, raw.length - 1).toString('base64url')}`,
    ]) {
      const res = await h.http.post('/auth/login-m1', { sessionStarterId: starter, srpM1 });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('LOGIN_SESSION_INVALID');
    }
    expect(await loginRows()).toBe(before);
    // the untouched starter still works
    expect((await h.http.post('/auth/login-m1', { sessionStarterId, srpM1 })).status).toBe(200);
  });
});
