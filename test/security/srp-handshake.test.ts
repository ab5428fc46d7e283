import { N_HEX } from '@somnus/srp';
import { startFunctions } from '../support/function-server';
import { login, newAccount } from '../support/accounts';

/** The SRP rules of docs/architecture.md §7, each as a test that fails if the protection is removed. */
type Harness = Awaited<ReturnType<typeof startFunctions>>;
let h: Harness;
const N = BigInt(`0x${N_HEX}`);
const hex512 = (n: bigint) => n.toString(16).padStart(512, '0');

beforeAll(async () => {
  h = await startFunctions('auth');
  const account = await newAccount('srp@example.com', 'pass');
  expect((await h.http.post('/auth/signup', account.signupBody)).status).toBe(200);
});
afterAll(async () => h?.stop());

async function loginSessionCount(): Promise<number> {
  const { rows } = await h.db.query('SELECT count(*)::int AS n FROM login_sessions');
  return rows[0].n;
}

describe('client public value A', () => {
  it.each([
    ['A = 0', hex512(0n)],
    ['A = N', hex512(N)],
    ['A = 2N (mod N == 0)', (2n * N).toString(16)],
    ['A = N + 1 (≥ N)', hex512(N + 1n)],
    ['A = 0 unpadded', '0'],
  ])('%s is refused with 400 and no handshake is stored', async (_name, srpA) => {
    const before = await loginSessionCount();
    const res = await h.http.post('/auth/login-a', { email: 'srp@example.com', srpA });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('VALIDATION_ERROR');
    expect(await loginSessionCount()).toBe(before);
  });
});

describe('login sessions (sessionStarterId)', () => {
  it('are single-use: replaying a successful M1 is refused', async () => {
    const ok = await login(h.http, 'srp@example.com', 'pass');
    expect(ok.status).toBe(200);
    const replay = await h.http.post('/auth/login-m1', { sessionStarterId: ok.steps.sessionStarterId, srpM1: ok.steps.srpM1 });
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('LOGIN_SESSION_INVALID');
    expect(replay.body.srpM2).toBeUndefined();
  });

  it('expire after 5 minutes', async () => {
    const good = await login(h.http, 'srp@example.com', 'pass');
    const { rows } = await h.db.query('SELECT expires_at - created_at AS ttl FROM login_sessions WHERE id = $1', [good.steps.sessionStarterId]);
    expect(rows[0].ttl.minutes).toBe(5);
    // reopen that handshake with its correct proof, but past its expiry
    await h.db.query(
      "UPDATE login_sessions SET consumed_at = NULL, attempts = 0, expires_at = now() - interval '1 second' WHERE id = $1",
      [good.steps.sessionStarterId],
    );
    const late = await h.http.post('/auth/login-m1', { sessionStarterId: good.steps.sessionStarterId, srpM1: good.steps.srpM1 });
    expect(late.status).toBe(401);
    expect(late.body.error).toBe('LOGIN_SESSION_INVALID');
  });

  it('allow at most 5 M1 attempts: the correct proof fails after five wrong ones', async () => {
    const good = await login(h.http, 'srp@example.com', 'pass');
    // reopen that handshake as if it had not been used, then spend its attempts
    await h.db.query('UPDATE login_sessions SET consumed_at = NULL, attempts = 0 WHERE id = $1', [good.steps.sessionStarterId]);
    for (let i = 0; i < 5; i++) {
      const wrong = await h.http.post('/auth/login-m1', { sessionStarterId: good.steps.sessionStarterId, srpM1: 'ab'.repeat(32) });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe('INVALID_CREDENTIALS');
    }
    const sixth = await h.http.post('/auth/login-m1', { sessionStarterId: good.steps.sessionStarterId, srpM1: good.steps.srpM1 });
    expect(sixth.status).toBe(401);
    expect(sixth.body.error).toBe('LOGIN_SESSION_INVALID');
    expect(sixth.body.srpM2).toBeUndefined();
  });

  it('a wrong M1 gets no M2 and opens no session', async () => {
    const out = await login(h.http, 'srp@example.com', 'pass');
    const { rows } = await h.db.query('SELECT count(*)::int AS n FROM sessions');
    await h.db.query('UPDATE login_sessions SET consumed_at = NULL, attempts = 0 WHERE id = $1', [out.steps.sessionStarterId]);
    const flipped = out.steps.srpM1!.slice(0, 63) + (out.steps.srpM1!.endsWith('0') ? '1' : '0');
    const res = await h.http.post('/auth/login-m1', { sessionStarterId: out.steps.sessionStarterId, srpM1: flipped });
    expect(res.status).toBe(401);
    expect(res.body.srpM2).toBeUndefined();
    const after = await h.db.query('SELECT count(*)::int AS n FROM sessions');
    expect(after.rows[0].n).toBe(rows[0].n);
  });

  it('an unknown or malformed sessionStarterId is refused', async () => {
    for (const sessionStarterId of [`lss_${'0'.repeat(32)}`, 'garbage']) {
      const res = await h.http.post('/auth/login-m1', { sessionStarterId, srpM1: 'ab'.repeat(32) });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('LOGIN_SESSION_INVALID');
    }
  });
});
