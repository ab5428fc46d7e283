import { resetConfig } from '@somnus/runtime';
import { api } from '../support/api';
import { startFunctions } from '../support/function-server';
import { mailsSettled } from '../support/smtp';
import { login, newAccount, type TestAccount } from '../support/accounts';

/**
 * The login and signup limits of docs/architecture.md §7: hard limits per (email, source) and per source,
 * only a slowdown per email that never touches a source without failures, failures counted before the
 * proof is checked, and per-source limits on handshakes and signups. Sources are told apart by
 * X-Forwarded-For, trusted here as one proxy hop.
 */
type Harness = Awaited<ReturnType<typeof startFunctions>>;
let h: Harness;
let victim: TestAccount;
const A = '203.0.113.1'; // the attacker
const B = '198.51.100.7'; // the account's owner

beforeAll(async () => {
  victim = await newAccount('victim@example.com', 'the right passphrase');
});
beforeEach(async () => {
  process.env.SOMNUS_TRUSTED_PROXY_HOPS = '1';
  h = await startFunctions('auth');
  expect((await from('192.0.2.200').post('/auth/signup', victim.signupBody)).status).toBe(200);
});
afterEach(async () => {
  await h?.stop();
  delete process.env.SOMNUS_TRUSTED_PROXY_HOPS;
  resetConfig();
});

const from = (ip: string) => api(h.http.baseUrl, { 'X-Forwarded-For': ip });
const srpA = 'ab'.repeat(256);

/** One failed login the cheap way: a real handshake and a wrong proof (no key derivation needed). */
async function failOnce(email: string, ip: string): Promise<void> {
  const a = await from(ip).post('/auth/login-a', { email, srpA });
  expect(a.status).toBe(200);
  const m1 = await from(ip).post('/auth/login-m1', { sessionStarterId: a.body.sessionStarterId, srpM1: '00'.repeat(32) });
  expect(m1.body.error).toBe('INVALID_CREDENTIALS');
}

async function counter(scope: string, email: string, ip: string): Promise<number> {
  const { rows } = await h.db.query('SELECT hits FROM rate_counters WHERE scope = $1 AND email = $2 AND ip = $3', [scope, email, ip]);
  return rows[0]?.hits ?? 0;
}

describe('failed proofs', () => {
  it('refuse a source after 10 failures for one email, even with the right passphrase, and say when to retry', async () => {
    for (let i = 0; i < 10; i++) await failOnce(victim.email, A);
    const blocked = await from(A).post('/auth/login-a', { email: victim.email, srpA });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe('RATE_LIMITED');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect((await login(from(A), victim.email, victim.passphrase)).status).toBe(429);
    // another email from the same source is not affected
    expect((await from(A).post('/auth/login-a', { email: 'other@example.com', srpA })).status).toBe(200);
  });

  it('do not lock the owner out: 10+ failures from one address, then the right passphrase from another', async () => {
    for (let i = 0; i < 10; i++) await failOnce(victim.email, A);
    expect((await from(A).post('/auth/login-a', { email: victim.email, srpA })).status).toBe(429);
    expect((await login(from(A), victim.email, 'guess 11')).status).toBe(429);
    const owner = await login(from(B), victim.email, victim.passphrase);
    expect(owner.status).toBe(200);
    expect((await h.http.get('/auth/whoami', { 'X-Session-Id': owner.token! })).status).toBe(200);
  });

  it('from many addresses only slow the addresses that fail, never one without failures', async () => {
    // 10 failures from A, then one from each of 20 more addresses: the email is "under attack"
    for (let i = 0; i < 10; i++) await failOnce(victim.email, A);
    const botnet = Array.from({ length: 20 }, (_, i) => `203.0.113.${100 + i}`);
    for (const ip of botnet) await failOnce(victim.email, ip);
    expect(await counter('login-failures:email', victim.email, '')).toBe(30);
    // each of those must wait a second after its failure before its next try (pinned to "just failed"
    // in the database, so that a slow machine cannot let the second pass)…
    await h.db.query(`UPDATE rate_counters SET last_at = now() WHERE scope = 'login-failures:pair'`);
    for (const ip of botnet) {
      const again = await from(ip).post('/auth/login-a', { email: victim.email, srpA });
      expect(again.status).toBe(429);
      expect(Number(again.headers.get('retry-after'))).toBe(1);
    }
    // …while the owner, from an address without failures, gets in at once
    expect((await login(from(B), victim.email, victim.passphrase)).status).toBe(200);
  });

  it('slow the owner who mistyped during an attack by seconds, and forget the failures of a source that got in', async () => {
    for (let i = 0; i < 10; i++) await failOnce(victim.email, A);
    await failOnce(victim.email, B);
    // pinned to "just failed": a slow machine must not let the second pass
    await h.db.query(`UPDATE rate_counters SET last_at = now() WHERE scope = 'login-failures:pair' AND ip = $1`, [B]);
    const slowed = await from(B).post('/auth/login-a', { email: victim.email, srpA });
    expect(slowed.status).toBe(429);
    expect(Number(slowed.headers.get('retry-after'))).toBe(1);
    // a second later (moved back in the database rather than waited for)
    await h.db.query(`UPDATE rate_counters SET last_at = last_at - interval '2 seconds' WHERE scope = 'login-failures:pair'`);
    expect((await login(from(B), victim.email, victim.passphrase)).status).toBe(200);
    expect(await counter('login-failures:pair', victim.email, B)).toBe(0);
    expect((await login(from(B), victim.email, victim.passphrase)).status).toBe(200);
  });

  it('are forgotten once the window closes', async () => {
    for (let i = 0; i < 10; i++) await failOnce('window@example.com', A);
    expect((await from(A).post('/auth/login-a', { email: 'window@example.com', srpA })).status).toBe(429);
    await h.db.query(`UPDATE rate_counters SET resets_at = now() - interval '1 second' WHERE scope LIKE 'login-failures:%'`);
    expect((await from(A).post('/auth/login-a', { email: 'window@example.com', srpA })).status).toBe(200);
  });

  it('refuse a source after 50 failures across many emails', async () => {
    for (let i = 0; i < 50; i++) await failOnce(`spray${i}@example.com`, A);
    const blocked = await from(A).post('/auth/login-a', { email: 'fresh@example.com', srpA });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await from(B).post('/auth/login-a', { email: 'fresh@example.com', srpA })).status).toBe(200);
  });

  it('are counted before the proof is checked: 40 handshakes × 5 wrong proofs at once check at most 10', async () => {
    const starters = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const a = await from(A).post('/auth/login-a', { email: victim.email, srpA });
        expect(a.status).toBe(200);
        return a.body.sessionStarterId as string;
      }),
    );
    const proofs = starters.flatMap((sessionStarterId) =>
      Array.from({ length: 5 }, (_, i) => from(A).post('/auth/login-m1', { sessionStarterId, srpM1: `${i}`.repeat(64) })),
    );
    const answers = await Promise.all(proofs);
    const checked = answers.filter((r) => r.body.error === 'INVALID_CREDENTIALS').length;
    const others = answers.filter((r) => r.body.error !== 'INVALID_CREDENTIALS').map((r) => r.body.error);
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(10);
    for (const error of others) expect(['RATE_LIMITED', 'LOGIN_SESSION_INVALID']).toContain(error);
    expect(await counter('login-failures:pair', victim.email, A)).toBe(checked);
    // and the owner still gets in from elsewhere
    expect((await login(from(B), victim.email, victim.passphrase)).status).toBe(200);
  });
});

describe('reset codes: strangers asking for them cannot stop the owner’s (outside review)', () => {
  // the codes go out through the outbox just after each answer: wait for `n`, and a moment for any extra
  const codes = async (n: number) => (await mailsSettled(() => h.smtp.messagesTo(victim.email).filter((m) => /account reset code/.test(m.subject)), n)).length;
  const ask = async (ip: string) => expect((await from(ip).post('/auth/send-reset-code', { email: victim.email })).body).toEqual({ ok: true });

  it('5 an hour per (address, source): a stranger’s 5 leave the owner’s code, from her own address, going out', async () => {
    for (let i = 0; i < 5; i++) await ask(A);
    expect(await codes(5)).toBe(5);
    // the stranger's sixth is answered the same and sends nothing
    await ask(A);
    expect(await codes(5)).toBe(5);
    // the review: the owner then got no code for an hour
    await ask(B);
    expect(await codes(6)).toBe(6);
  });

  it('at most 20 an hour to one address from all sources together', async () => {
    for (const ip of ['203.0.113.10', '203.0.113.11', '203.0.113.12', '203.0.113.13']) for (let i = 0; i < 5; i++) await ask(ip);
    expect(await codes(20)).toBe(20);
    await ask(B);
    expect(await codes(20)).toBe(20);
  });
});

describe('per-source limits on work a stranger can cause', () => {
  it('login-a: 60 handshakes a minute per source, then 429 until the minute is over', async () => {
    for (let i = 0; i < 60; i++) expect((await from(A).post('/auth/login-a', { email: `start${i}@example.com`, srpA })).status).toBe(200);
    const refused = await from(A).post('/auth/login-a', { email: 'one-more@example.com', srpA });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await from(B).post('/auth/login-a', { email: 'one-more@example.com', srpA })).status).toBe(200);
    // one counter row per source, however many handshakes: login-a stores no handshake
    const { rows } = await h.db.query(`SELECT scope, ip, hits FROM rate_counters ORDER BY ip`);
    expect(rows).toEqual([
      { scope: 'signup:ip', ip: '192.0.2.200', hits: 1 },
      { scope: 'login-start:ip', ip: B, hits: 1 },
      { scope: 'login-start:ip', ip: A, hits: 61 },
    ]);
  });

  it('reset: 30 an hour per source, unknown emails and wrong codes included', async () => {
    // what a client that forgot the passphrase sends: new key material and a code from the email
    const fresh = await newAccount(victim.email, 'a new passphrase');
    const { firstName: _f, lastName: _l, ...keys } = fresh.signupBody;
    const body = (email: string) => ({ ...keys, email, code: 'ABCDEFGHJK' });
    for (let i = 0; i < 30; i++) {
      const res = await from(A).post('/auth/reset', body(i % 2 ? victim.email : `nobody${i}@example.com`));
      expect(res.body.error).toBe('INVALID_CODE');
    }
    const refused = await from(A).post('/auth/reset', body(victim.email));
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
    // another source is not affected
    expect((await from(B).post('/auth/reset', body(victim.email))).body.error).toBe('INVALID_CODE');
    expect(await counter('reset:ip', '', A)).toBe(31);
  });

  it('signup: 100 an hour per source, taken emails included', async () => {
    for (let i = 0; i < 100; i++) {
      const res = await from(A).post('/auth/signup', victim.signupBody);
      expect(res.body.error).toBe('EMAIL_TAKEN');
    }
    const fresh = { ...victim.signupBody, email: 'new-account@example.com' };
    const refused = await from(A).post('/auth/signup', fresh);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
    const { rows } = await h.db.query('SELECT count(*)::int AS n FROM accounts');
    expect(rows[0].n).toBe(1);
    expect((await from(B).post('/auth/signup', fresh)).status).toBe(200);
  });
});
