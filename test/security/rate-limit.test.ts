import { startFunctions } from '../support/function-server';
import { login, newAccount } from '../support/accounts';

/** Login rate limits: 10 failures per email or 50 per IP in 15 minutes → 429 with Retry-After. */
type Harness = Awaited<ReturnType<typeof startFunctions>>;
let h: Harness;

beforeEach(async () => {
  h = await startFunctions('auth');
});
afterEach(async () => h?.stop());

/** One failed login the cheap way: a real handshake and a wrong proof (no key derivation needed). */
async function failOnce(email: string): Promise<void> {
  const a = await h.http.post('/auth/login-a', { email, srpA: 'ab'.repeat(256) });
  expect(a.status).toBe(200);
  const m1 = await h.http.post('/auth/login-m1', { sessionStarterId: a.body.sessionStarterId, srpM1: '00'.repeat(32) });
  expect(m1.status).toBe(401);
}

it('blocks an email after 10 failed logins, even with the right passphrase, and says when to retry', async () => {
  const account = await newAccount('target@example.com', 'pass');
  expect((await h.http.post('/auth/signup', account.signupBody)).status).toBe(200);
  for (let i = 0; i < 10; i++) await failOnce('target@example.com');
  const blocked = await h.http.post('/auth/login-a', { email: 'target@example.com', srpA: 'ab'.repeat(256) });
  expect(blocked.status).toBe(429);
  expect(blocked.body.error).toBe('RATE_LIMITED');
  const retryAfter = Number(blocked.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(15 * 60);
  expect((await login(h.http, 'target@example.com', 'pass')).status).toBe(429);
  // another email from the same IP is not affected yet
  expect((await h.http.post('/auth/login-a', { email: 'other@example.com', srpA: 'ab'.repeat(256) })).status).toBe(200);
});

it('lifts the block once the failures leave the 15-minute window', async () => {
  for (let i = 0; i < 10; i++) await failOnce('window@example.com');
  expect((await h.http.post('/auth/login-a', { email: 'window@example.com', srpA: 'ab'.repeat(256) })).status).toBe(429);
  await h.db.query("UPDATE login_attempts SET created_at = now() - interval '16 minutes'");
  expect((await h.http.post('/auth/login-a', { email: 'window@example.com', srpA: 'ab'.repeat(256) })).status).toBe(200);
});

it('blocks an IP after 50 failed logins across many emails', async () => {
  for (let i = 0; i < 50; i++) await failOnce(`spray${i}@example.com`);
  const blocked = await h.http.post('/auth/login-a', { email: 'fresh@example.com', srpA: 'ab'.repeat(256) });
  expect(blocked.status).toBe(429);
  expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
});
