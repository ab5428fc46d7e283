import crypto from 'node:crypto';
import { deriveKey } from '@somnus/crypto';
import { computeClientSession, createClientEphemeral } from '@somnus/srp';
import { startFunctions } from '../../../test/support/function-server';
import { login, newAccount } from '../../../test/support/accounts';

type Harness = Awaited<ReturnType<typeof startFunctions>>;
let h: Harness;

beforeAll(async () => {
  h = await startFunctions('auth');
});
afterAll(async () => h?.stop());

async function signedUp(email: string, profile: 'insomnia' | 'rfc2945' = 'insomnia') {
  const account = await newAccount(email, 'a passphrase', profile);
  const res = await h.http.post('/auth/signup', account.signupBody);
  expect(res.status).toBe(200);
  return { ...account, accountId: res.body.accountId as string };
}

describe('SRP login and sessions', () => {
  it('logs in and whoami returns the account and its wrapped keys (GET with X-Session-Id, POST with Bearer)', async () => {
    const a = await signedUp('who@example.com');
    const out = await login(h.http, 'who@example.com', 'a passphrase');
    expect(out.status).toBe(200);
    expect(out.body.srpM2).toMatch(/^[0-9a-f]{64}$/);
    expect(out.steps.srpB).toHaveLength(512);

    const me = await h.http.get('/auth/whoami', { 'X-Session-Id': out.token! });
    expect(me.status).toBe(200);
    expect(me.contentType).toBe('application/json');
    expect(me.body).toMatchObject({
      accountId: a.accountId,
      email: 'who@example.com',
      publicKey: a.material.publicKey,
      encPrivateKey: a.material.encPrivateKey,
      encSymmetricKey: a.material.encSymmetricKey,
      saltEnc: a.material.saltEnc,
    });
    expect(me.body.sessionAge).toBeGreaterThanOrEqual(0);
    // the types of the client's WhoamiResponse: times are milliseconds since the epoch
    expect(me.body.sessionExpiry).toBeGreaterThan(Date.now());
    expect(Number.isInteger(me.body.created) && me.body.created <= Date.now() && me.body.created > Date.now() - 3_600_000).toBe(true);
    expect(me.body).toMatchObject({ isPaymentRequired: false, isTrialing: false, isAdmin: false, canManageTeams: true, maxTeamMembers: expect.any(Number) });

    const viaBearer = await h.http.post('/auth/whoami', undefined, { Authorization: `Bearer ${out.token}` });
    expect(viaBearer.status).toBe(200);
    expect(viaBearer.body.accountId).toBe(a.accountId);
  });

  it('logs in an account of the rfc2945 profile', async () => {
    await signedUp('rfc-login@example.com', 'rfc2945');
    const out = await login(h.http, 'rfc-login@example.com', 'a passphrase', 'rfc2945');
    expect(out.status).toBe(200);
    expect((await h.http.get('/auth/whoami', { 'X-Session-Id': out.token! })).status).toBe(200);
  });

  it('stores only the SHA-256 of the session token', async () => {
    const a = await signedUp('hash@example.com');
    const out = await login(h.http, 'hash@example.com', 'a passphrase');
    const { rows } = await h.db.query('SELECT * FROM sessions WHERE account_id = $1', [a.accountId]);
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash.equals(crypto.createHash('sha256').update(out.token!).digest())).toBe(true);
    expect(JSON.stringify(rows[0])).not.toContain(out.token!);
  });

  it('answers 401 UNAUTHORIZED without a session, with a malformed one, and with an unknown one', async () => {
    const variants: Array<Record<string, string>> = [{}, { 'X-Session-Id': 'nope' }, { 'X-Session-Id': 'ab'.repeat(32) }, { Authorization: 'Bearer xyz' }];
    for (const headers of variants) {
      const res = await h.http.get('/auth/whoami', headers);
      expect(res.status).toBe(401);
      expect(res.contentType).toBe('application/json');
      expect(res.body).toEqual({ error: 'UNAUTHORIZED', message: expect.any(String) });
    }
  });

  it('logout revokes the session at once', async () => {
    await signedUp('bye@example.com');
    const out = await login(h.http, 'bye@example.com', 'a passphrase');
    const headers = { 'X-Session-Id': out.token! };
    expect((await h.http.post('/auth/logout', undefined, headers)).status).toBe(200);
    expect((await h.http.get('/auth/whoami', headers)).status).toBe(401);
    expect((await h.http.post('/auth/logout', undefined, headers)).status).toBe(401);
  });

  it('lists sessions with client and IP, and revokes one of them', async () => {
    await signedUp('multi@example.com');
    const first = await login(h.http, 'multi@example.com', 'a passphrase');
    const second = await login(h.http, 'multi@example.com', 'a passphrase');
    const list = await h.http.get('/v1/user/sessions', { 'X-Session-Id': first.token!, 'X-Insomnia-Client': 'production::linux::2022.4.2' });
    expect(list.status).toBe(200);
    expect(list.body.sessions).toHaveLength(2);
    const current = list.body.sessions.find((s: any) => s.current);
    const other = list.body.sessions.find((s: any) => !s.current);
    expect(current.id).toMatch(/^sess_[0-9a-f]{32}$/);
    expect(other.ip).toBe('127.0.0.1');
    expect(JSON.stringify(list.body)).not.toContain(first.token!);

    const del = await h.http.delete(`/v1/user/sessions/${other.id}`, { 'X-Session-Id': first.token! });
    expect(del.status).toBe(200);
    expect((await h.http.get('/auth/whoami', { 'X-Session-Id': second.token! })).status).toBe(401);
    expect((await h.http.get('/auth/whoami', { 'X-Session-Id': first.token! })).status).toBe(200);
  });


  it('records when a session was last used, at most once a minute', async () => {
    await signedUp('used@example.com');
    const out = await login(h.http, 'used@example.com', 'a passphrase');
    const headers = { 'X-Session-Id': out.token! };
    const lastUsed = async () => (await h.http.get('/v1/user/sessions', headers)).body.sessions[0].lastUsed as string;
    const hash = crypto.createHash('sha256').update(out.token!).digest();
    await h.db.query(`UPDATE sessions SET last_used_at = now() - interval '2 hours' WHERE token_hash = $1`, [hash]);
    const before = Date.now();
    const seen = await lastUsed();
    // the request that lists the sessions is itself a use: an idle session shows the moment of this call
    expect(Date.parse(seen)).toBeGreaterThanOrEqual(before - 5_000);
    // a second use within the minute writes nothing
    await h.db.query(`UPDATE sessions SET last_used_at = now() - interval '30 seconds' WHERE token_hash = $1`, [hash]);
    const held = (await h.db.query('SELECT last_used_at FROM sessions WHERE token_hash = $1', [hash])).rows[0].last_used_at as Date;
    await lastUsed();
    expect((await h.db.query('SELECT last_used_at FROM sessions WHERE token_hash = $1', [hash])).rows[0].last_used_at).toEqual(held);
  });
  it("cannot revoke another account's session: 404, and that session stays alive", async () => {
    await signedUp('mallory@example.com');
    await signedUp('victim@example.com');
    const mallory = await login(h.http, 'mallory@example.com', 'a passphrase');
    const victim = await login(h.http, 'victim@example.com', 'a passphrase');
    const victimList = await h.http.get('/v1/user/sessions', { 'X-Session-Id': victim.token! });
    const victimSession = victimList.body.sessions[0].id;
    const res = await h.http.delete(`/v1/user/sessions/${victimSession}`, { 'X-Session-Id': mallory.token! });
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('NOT_FOUND');
    expect((await h.http.get('/auth/whoami', { 'X-Session-Id': victim.token! })).status).toBe(200);
    const unknown = await h.http.delete(`/v1/user/sessions/sess_${'0'.repeat(32)}`, { 'X-Session-Id': mallory.token! });
    expect(unknown.status).toBe(404);
  });

  it('a wrong passphrase fails at M1 with 401 INVALID_CREDENTIALS and opens no session', async () => {
    const a = await signedUp('wrong@example.com');
    const out = await login(h.http, 'wrong@example.com', 'not the passphrase');
    expect(out.status).toBe(401);
    expect(out.body).toEqual({ error: 'INVALID_CREDENTIALS', message: expect.any(String) });
    const { rows } = await h.db.query('SELECT count(*)::int AS n FROM sessions WHERE account_id = $1', [a.accountId]);
    expect(rows[0].n).toBe(0);
  });

  it('right proofs sent at once for one starter open exactly one session; the failed login is audited', async () => {
    const a = await signedUp('race@example.com');
    const salts = await h.http.post('/auth/login-s', { email: a.email });
    const authSecret = await deriveKey('a passphrase', a.email, salts.body.saltKey);
    const eph = createClientEphemeral();
    const start = await h.http.post('/auth/login-a', { email: a.email, srpA: eph.AHex });
    const session = computeClientSession({
      profile: 'insomnia', identity: a.email, saltHex: salts.body.saltAuth, password: Buffer.from(authSecret, 'hex'),
      aHex: eph.aHex, AHex: eph.AHex, BHex: start.body.srpB,
    });
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => h.http.post('/auth/login-m1', { sessionStarterId: start.body.sessionStarterId, srpM1: session.M1Hex })),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of answers.filter((x) => x.status !== 200)) expect(r.body.error).toBe('LOGIN_SESSION_INVALID');
    const { rows } = await h.db.query('SELECT count(*)::int AS n FROM sessions WHERE account_id = $1', [a.accountId]);
    expect(rows[0].n).toBe(1);
    // the source that got in has no failures left for this email
    const pair = await h.db.query(`SELECT hits FROM rate_counters WHERE scope = 'login-failures:pair' AND email = $1`, [a.email]);
    expect(pair.rows).toEqual([{ hits: 0 }]);

    await login(h.http, a.email, 'not it');
    const events = await h.db.query('SELECT type FROM account_audit_events WHERE account_id = $1 ORDER BY id', [a.accountId]);
    expect(events.rows.map((e: { type: string }) => e.type)).toEqual(['account.signup', 'login.succeeded', 'login.failed']);
  });

  it('answers 404 for an unknown path and 405 for a wrong method, as JSON', async () => {
    const missing = await h.http.get('/auth/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('NOT_FOUND');
    const wrong = await h.http.get('/auth/login-s');
    expect(wrong.status).toBe(405);
    expect(wrong.body.error).toBe('METHOD_NOT_ALLOWED');
    expect(wrong.contentType).toBe('application/json');
  });
});
