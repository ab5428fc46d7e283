import { startFunctions } from '../../../test/support/function-server';
import { login, newAccount, signupVerified } from '../../../test/support/accounts';
import { as, createProject, signUp, teamOrg, type User } from './key-sharing-support';

/**
 * invites/instructions and invites tell whether an email has an account (a public key; whether keys may
 * travel with the invitation). Anyone can own a team org, so every such lookup, from either endpoint, is
 * recorded and capped per account: 50 an hour, then 429 with Retry-After (issue 9 §5).
 */
let h: Awaited<ReturnType<typeof startFunctions>>;

beforeAll(async () => {
  h = await startFunctions('auth', 'keys', 'invites', 'sync');
});
afterAll(async () => h?.stop());
beforeEach(async () => {
  await h.db.query(`DELETE FROM account_audit_events WHERE type = 'invite.lookup'`);
  await h.db.query('DELETE FROM mail_sends');
});

const lookups = async () => (await h.db.query(`SELECT count(*)::int AS n FROM account_audit_events WHERE type = 'invite.lookup'`)).rows[0].n;

it('caps invitation lookups per account, across orgs, and records each one', async () => {
  const prober = await newAccount('prober@example.com', 'pass');
  await signupVerified(h.auth, h.smtp, prober);
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
  expect(await lookups()).toBe(50);
});

describe('POST …/invites is a lookup too', () => {
  let jane: User;
  let orgId: string;
  let projectId: string;
  beforeAll(async () => {
    jane = await signUp(h, 'jane@probe.test');
    await signUp(h, 'real@probe.test');
    orgId = await teamOrg(h, jane, 'Probe');
    projectId = (await createProject(h, orgId, [jane])).id;
  });
  const post = (body: unknown) => h.invites.post(`/v1/organizations/${orgId}/invites`, body, as(jane));

  it('made-up inviteKeys are refused before any account is read: the same answer for a real and an unknown address, and no lookup', async () => {
    const madeUp = [{ projectId: `prj_${'0'.repeat(32)}`, encSymmetricKey: 'a'.repeat(512) }];
    const real = await post({ inviteeEmail: 'real@probe.test', inviteKeys: madeUp });
    const unknown = await post({ inviteeEmail: 'nobody@probe.test', inviteKeys: madeUp });
    expect(real.status).toBe(400);
    expect({ status: unknown.status, body: unknown.body }).toEqual({ status: real.status, body: real.body });
    expect(await lookups()).toBe(0);
  });

  it('every lookup counts, refused ones included, against the cap instructions share', async () => {
    const key = [{ projectId, encSymmetricKey: 'a'.repeat(512) }];
    // keys for an address without an account: refused after the lookup, which stays counted
    expect((await post({ inviteeEmail: 'nobody@probe.test', inviteKeys: key })).status).toBe(400);
    expect(await lookups()).toBe(1);
    // a prober's run: every answer a refusal, every one a lookup
    for (let i = 1; i < 49; i++) expect((await post({ inviteeEmail: `probe${i}@probe.test`, inviteKeys: key })).status).toBe(400);
    expect((await h.invites.post(`/v1/organizations/${orgId}/invites/instructions`, { inviteeEmail: 'x@probe.test' }, as(jane))).status).toBe(200);
    expect(await lookups()).toBe(50);
    // the 51st, from either endpoint
    const refused = await post({ inviteeEmail: 'real@probe.test', inviteKeys: key });
    expect(refused.status).toBe(429);
    expect((await h.invites.post(`/v1/organizations/${orgId}/invites/instructions`, { inviteeEmail: 'y@probe.test' }, as(jane))).status).toBe(429);
    expect(await lookups()).toBe(50);
  });
});
