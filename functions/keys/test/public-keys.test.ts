import crypto from 'node:crypto';
import { startFunctions } from '../../../test/support/function-server';
import { login, newAccount, signupVerified, type TestAccount } from '../../../test/support/accounts';

type Harness = Awaited<ReturnType<typeof startFunctions>>;
let h: Harness;

interface User {
  account: TestAccount;
  id: string;
  token: string;
}
let jane: User;
let bob: User;
let carol: User;
let teamId: string;

const auth = (u: User) => ({ 'X-Session-Id': u.token });

async function signUp(email: string): Promise<User> {
  const account = await newAccount(email);
  const id = await signupVerified(h.auth, h.smtp, account);
  const session = await login(h.auth, email, account.passphrase);
  return { account, id, token: session.token! };
}

/** Bob joins Jane's team through the real invite flow (instructions → invite → accept). */
async function join(orgId: string, inviter: User, invitee: User) {
  const instr = await h.invites.post(`/v1/organizations/${orgId}/invites/instructions`, { inviteeEmail: invitee.account.email }, auth(inviter));
  expect(instr.status).toBe(200);
  const sent = await h.invites.post(`/v1/organizations/${orgId}/invites`, { inviteeId: instr.body.inviteeId, inviteeEmail: invitee.account.email }, auth(inviter));
  expect(sent.status).toBe(201);
  expect((await h.invites.post(`/v1/invites/${sent.body.id}/accept`, undefined, auth(invitee))).status).toBe(200);
}

const keyOf = (caller: User | null, accountId: string) =>
  h.keys.get(`/v1/keys/accounts/${encodeURIComponent(accountId)}`, caller ? auth(caller) : {});

beforeAll(async () => {
  h = await startFunctions('auth', 'keys', 'invites');
  [jane, bob, carol] = await Promise.all([signUp('jane@keys.test'), signUp('bob@keys.test'), signUp('carol@keys.test')]);
  const team = await h.invites.post('/v1/organizations', { name: 'Acme' }, auth(jane));
  expect(team.status).toBe(201);
  teamId = team.body.id;
  await join(teamId, jane, bob);
});
afterAll(async () => h?.stop());

describe('GET /v1/keys/accounts/:accountId', () => {
  it('gives a co-member the public key, both ways', async () => {
    const res = await keyOf(jane, bob.id);
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json');
    expect(res.body).toEqual({ accountId: bob.id, publicKey: bob.account.material.publicKey });
    expect((await keyOf(bob, jane.id)).body).toEqual({ accountId: jane.id, publicKey: jane.account.material.publicKey });
  });

  it('gives the caller their own public key (they share their personal org with themselves)', async () => {
    expect((await keyOf(carol, carol.id)).body).toEqual({ accountId: carol.id, publicKey: carol.account.material.publicKey });
  });

  it('answers a stranger and an unknown account with the same 404, and a malformed id with a 404 before any lookup', async () => {
    const stranger = await keyOf(carol, bob.id);
    const unknown = await keyOf(carol, `acct_${crypto.randomBytes(16).toString('hex')}`);
    for (const res of [stranger, unknown]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'NOT_FOUND', message: 'No such account' });
    }
    // refused by its format alone (the router's id check), so it says nothing about any account
    const malformed = await keyOf(carol, "acct_' OR 1=1 --");
    expect(malformed.status).toBe(404);
    expect(malformed.body).toEqual({ error: 'NOT_FOUND', message: 'No such account (path parameter accountId is not of its id format)' });
    expect((await keyOf(bob, carol.id)).status).toBe(404);
  });

  it('a pending invitation is not a shared org', async () => {
    const instr = await h.invites.post(`/v1/organizations/${teamId}/invites/instructions`, { inviteeEmail: carol.account.email }, auth(jane));
    const sent = await h.invites.post(`/v1/organizations/${teamId}/invites`, { inviteeId: instr.body.inviteeId, inviteeEmail: carol.account.email }, auth(jane));
    expect(sent.status).toBe(201);
    expect((await keyOf(carol, jane.id)).status).toBe(404);
    expect((await keyOf(jane, carol.id)).status).toBe(404);
    expect((await h.invites.delete(`/v1/organizations/${teamId}/invites/${sent.body.id}`, auth(jane))).status).toBeLessThan(300);
  });

  it('stops as soon as the member is removed', async () => {
    const dave = await signUp('dave@keys.test');
    await join(teamId, jane, dave);
    expect((await keyOf(jane, dave.id)).status).toBe(200);
    expect((await h.invites.delete(`/v1/organizations/${teamId}/members/${dave.id}`, auth(jane))).status).toBeLessThan(300);
    expect((await keyOf(jane, dave.id)).status).toBe(404);
    expect((await keyOf(dave, bob.id)).status).toBe(404);
  });

  it('requires a live session', async () => {
    expect((await keyOf(null, bob.id)).status).toBe(401);
    expect((await h.keys.get(`/v1/keys/accounts/${bob.id}`, { 'X-Session-Id': 'f'.repeat(64) })).status).toBe(401);
    const eve = await signUp('eve@keys.test');
    await h.auth.post('/auth/logout', undefined, auth(eve));
    expect((await keyOf(eve, eve.id)).status).toBe(401);
  });
});
