import { Client } from 'pg';
import { newAccount } from '../support/accounts';
import { startFunctions } from '../support/function-server';
import { createProjectOverGraphql } from '../support/graphql-projects';
import { extractCode } from '../support/smtp';
import { signupAndLogin, wrappedKey, type Harness, type User } from './tenant-fixtures';

/**
 * Requests that change memberships racing each other, across functions: an account reset (auth) against
 * the removal of that member (invites), an invitation accepted while its org is deleted. Each pair used
 * to take row locks in opposite orders and end in a deadlock or an RLS error, a 500. Now both sides take
 * the org's advisory lock before any row lock, so one finishes first and the other answers plainly.
 *
 * The interleaving is forced: a superuser transaction (the blocker) holds a row lock until both requests
 * are waiting, then lets go.
 */

let h: Harness;
beforeAll(async () => {
  h = (await startFunctions('auth', 'invites', 'sync')) as Harness;
});
afterAll(async () => h?.stop());

async function blocker() {
  const c = new Client({ connectionString: h.db.adminUrl });
  await c.connect();
  await c.query('BEGIN');
  return {
    query: (sql: string, params: unknown[]) => c.query(sql, params),
    commit: async () => {
      await c.query('COMMIT');
      await c.end();
    },
  };
}

/** Until `n` backends wait on a lock (row or advisory). */
async function waitForLockWaiters(n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await h.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'`);
    if (rows[0].n >= n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never saw ${n} requests waiting on a lock`);
}

async function teamOf(owner: User): Promise<string> {
  const r = await h.invites.call('POST', '/v1/organizations', { name: 'Team' }, owner.headers);
  return r.body.id;
}

async function invite(orgId: string, owner: User, invitee: User) {
  const inv = await h.invites.call('POST', `/v1/organizations/${orgId}/invites`, { inviteeId: invitee.id, inviteeEmail: invitee.email }, owner.headers);
  expect(inv.status).toBe(201);
  return { id: inv.body.id as string };
}

/**
 * A team whose one project only `member` can read, so that their reset deletes it. Made as users make
 * one: the member founds the team and creates the project while alone in it (projectCreate wraps the
 * key for every current member), invites `owner` without keys and hands the team over, staying on as
 * an admin.
 */
async function memberWithOwnProject(owner: User, member: User): Promise<{ orgId: string; projectId: string }> {
  const orgId = await teamOf(member);
  const { id: projectId } = await createProjectOverGraphql(h.sync, member.headers, {
    name: 'Only theirs',
    teamId: orgId,
    teamKeys: [{ accountId: member.id, encSymmetricKey: wrappedKey() }],
  });
  const inv = await invite(orgId, member, owner);
  expect((await h.invites.call('POST', `/v1/invites/${inv.id}/accept`, undefined, owner.headers)).status).toBe(200);
  const handover = await h.invites.call('POST', `/v1/organizations/${orgId}/transfer-ownership`, { accountId: owner.id }, member.headers);
  expect(handover.body).toEqual({ ownerAccountId: owner.id });
  return { orgId, projectId };
}

async function resetBody(user: User) {
  await h.auth.post('/auth/send-reset-code', { email: user.email });
  const mail = await h.smtp.waitForMessage((m) => m.to.includes(user.email.toLowerCase()) && /reset code/.test(m.subject));
  const fresh = await newAccount(user.email, 'a new passphrase');
  const { firstName: _f, lastName: _l, ...keys } = fresh.signupBody;
  return { ...keys, email: user.email, code: extractCode(mail) };
}

const outcome = (r: { status: number; body: { error?: string } }) => `${r.status}${r.body?.error ? ` ${r.body.error}` : ''}`;

it('a member removed while they reset their account: both succeed, in some order, never a 500', async () => {
  const [owner, member] = await Promise.all([signupAndLogin(h, 'owner'), signupAndLogin(h, 'member')]);
  const { orgId } = await memberWithOwnProject(owner, member);
  const body = await resetBody(member);

  const b = await blocker();
  await b.query('SELECT 1 FROM memberships WHERE org_id = $1 AND account_id = $2 FOR SHARE', [orgId, member.id]);
  const removal = h.invites.call('DELETE', `/v1/organizations/${orgId}/members/${member.id}`, undefined, owner.headers);
  await waitForLockWaiters(1);
  const reset = h.auth.call('POST', '/auth/reset', body);
  await waitForLockWaiters(2);
  await b.commit();
  const [removed, wasReset] = await Promise.all([removal, reset]);
  expect({ removal: outcome(removed), reset: outcome(wasReset) }).toEqual({ removal: '200', reset: '200' });
  expect((await h.db.query('SELECT count(*)::int AS n FROM memberships WHERE org_id = $1 AND account_id = $2', [orgId, member.id])).rows[0].n).toBe(0);
});

it('a removal arriving while a reset is under way waits for it: both succeed', async () => {
  const [owner, member] = await Promise.all([signupAndLogin(h, 'owner'), signupAndLogin(h, 'member')]);
  const { orgId, projectId } = await memberWithOwnProject(owner, member);
  const body = await resetBody(member);

  const b = await blocker();
  await b.query('SELECT 1 FROM projects WHERE id = $1 FOR UPDATE', [projectId]);
  const reset = h.auth.call('POST', '/auth/reset', body);
  await waitForLockWaiters(1);
  const removal = h.invites.call('DELETE', `/v1/organizations/${orgId}/members/${member.id}`, undefined, owner.headers);
  await waitForLockWaiters(2);
  await b.commit();
  const [wasReset, removed] = await Promise.all([reset, removal]);
  expect({ reset: outcome(wasReset), removal: outcome(removed) }).toEqual({ reset: '200', removal: '200' });
});

it('an invitation accepted while its org is deleted: the deletion wins, the accept is a plain 404', async () => {
  const [owner, invitee] = await Promise.all([signupAndLogin(h, 'owner'), signupAndLogin(h, 'invitee')]);
  const orgId = await teamOf(owner);
  const inv = await invite(orgId, owner, invitee);

  const b = await blocker();
  await b.query('SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE', [orgId]);
  const deletion = h.invites.call('DELETE', `/v1/organizations/${orgId}`, undefined, owner.headers);
  await waitForLockWaiters(1);
  const accept = h.invites.call('POST', `/v1/invites/${inv.id}/accept`, undefined, invitee.headers);
  await waitForLockWaiters(2);
  await b.commit();
  const [deleted, accepted] = await Promise.all([deletion, accept]);
  expect({ deletion: outcome(deleted), accept: outcome(accepted) }).toEqual({ deletion: '200', accept: '404 NOT_FOUND' });
});
