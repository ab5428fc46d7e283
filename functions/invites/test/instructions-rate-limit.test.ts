import { startFunctions } from '../../../test/support/function-server';
import { login, newAccount } from '../../../test/support/accounts';

/**
 * invites/instructions tells whether an email has an account (and its public key). Anyone can own a
 * team org, so lookups are recorded and capped per account: 50 an hour, then 429 with Retry-After.
 */
let h: Awaited<ReturnType<typeof startFunctions>>;

beforeAll(async () => {
  h = await startFunctions('auth', 'keys', 'invites');
});
afterAll(async () => h?.stop());

it('caps invitation lookups per account, across orgs, and records each one', async () => {
  const prober = await newAccount('prober@example.com', 'pass');
  expect((await h.auth.post('/auth/signup', prober.signupBody)).status).toBe(200);
  const session = await login(h.auth, 'prober@example.com', 'pass');
  const auth = { 'X-Session-Id': session.token! };
  const orgA = (await h.invites.post('/v1/organizations', { name: 'A' }, auth)).body.id;
  const orgB = (await h.invites.post('/v1/organizations', { name: 'B' }, auth)).body.id;

  for (let i = 0; i < 50; i++) {
    const org = i % 2 ? orgA : orgB; // spreading over several orgs does not help
    const res = await h.invites.post(`/v1/organizations/${org}/invites/instructions`, { inviteeEmail: `target${i}@example.com` }, auth);
    expect(res.status).toBe(200);
  }
  const blocked = await h.invites.post(`/v1/organizations/${orgA}/invites/instructions`, { inviteeEmail: 'one-more@example.com' }, auth);
  expect(blocked.status).toBe(429);
  expect(blocked.body.error).toBe('RATE_LIMITED');
  expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);

  const { rows } = await h.db.query(`SELECT count(*)::int AS n FROM account_audit_events WHERE type = 'invite.lookup'`);
  expect(rows[0].n).toBe(50);
});
