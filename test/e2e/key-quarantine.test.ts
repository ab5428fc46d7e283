/**
 * Issue 14, first "done when" point, end to end through the gateway (test/support/stack.ts): a member's
 * account is reset; an admin's re-share — through our SDK (reshareKeys) and through the exact calls
 * Insomnia's current client makes (my-project-keys → wrap → reconcile-keys; teamMemberKeys → projectCreate
 * over GraphQL with the app's query texts) — wraps nothing for the new key until an owner or admin approves
 * it with the right fingerprint (docs/protocol.md §6, key approval). A wrong or replayed fingerprint is
 * refused; only the org's owners and admins may approve; the admins' email carries the fingerprint; after
 * approval the member gets every key and reads the projects.
 */
import { decryptRSAWithJWK, encryptRSAWithJWK, generateAesJwk, parseRsaPublicJwk, type AccountKeys, type AesJwk } from '@somnus/crypto';
import { newProjectId, NoProjectKeyError, SomnusApiError, SomnusClient } from '@somnus/client';
import { fingerprintOf } from '@somnus/models';
import { latestVerificationMail } from '../support/accounts';
import { extractCode } from '../support/smtp';
import { startTestStack, type TestStack } from '../support/stack';
import { CURRENT_QUERIES } from './fixtures/insomnia-vcs-queries';
import { apiError } from '../support/api-error';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { LOG_LEVEL: 'silent' } });
});
afterAll(async () => {
  await stack?.stop();
});

const PASS = 'correct horse battery staple';
const NEW_PASS = 'a quite different passphrase';
const THIRD_PASS = 'yet another passphrase entirely';
const CURRENT_CLIENT = 'production::linux::10.1.1';
let n = 0;
const newEmail = (tag: string) => `${tag}.${process.pid}.${++n}@example.com`;

interface User {
  email: string;
  accountId: string;
  client: SomnusClient;
  keys: AccountKeys;
}

async function signedUp(tag: string): Promise<User> {
  const email = newEmail(tag);
  const client = new SomnusClient({ baseUrl: stack.baseUrl });
  const { accountId } = await client.signup({ email, passphrase: PASS });
  await client.login({ email, passphrase: PASS });
  await client.verifyEmail(extractCode(await latestVerificationMail(stack.smtp, email)));
  return { email, accountId, client, keys: await client.unwrapKeys(PASS) };
}

async function joins(owner: User, member: User, orgId: string, role: 'admin' | 'member'): Promise<void> {
  const { invitation } = await owner.client.invite(orgId, member.email, role, owner.keys);
  await member.client.acceptInvite(invitation.id);
}

/** The first email to `to` after `before` of theirs had arrived. */
async function nextMailTo(to: string, before: number) {
  return stack.smtp.waitForMessage((m) => m.to.some((r) => r.toLowerCase() === to) && stack.smtp.messagesTo(to).indexOf(m) >= before, 15_000);
}

/** A forgotten passphrase: the reset code by email, new keys. Returns the member, logged in again. */
async function reset(user: User, passphrase: string): Promise<User> {
  const before = stack.smtp.messagesTo(user.email).length;
  const anonymous = new SomnusClient({ baseUrl: stack.baseUrl });
  await anonymous.sendResetCode(user.email);
  await anonymous.resetAccount({ email: user.email, code: extractCode(await nextMailTo(user.email, before)), newPassphrase: passphrase });
  const client = new SomnusClient({ baseUrl: stack.baseUrl });
  await client.login({ email: user.email, passphrase });
  return { ...user, client, keys: await client.unwrapKeys(passphrase) };
}


/** A REST call as Insomnia's app makes it: the session in X-Session-Id, JSON both ways. */
async function rest(user: User, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: { 'X-Session-Id': user.client.sessionId!, 'X-Insomnia-Client': CURRENT_CLIENT, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** A GraphQL request with the current app's exact text (test/e2e/fixtures/insomnia-vcs-queries.ts). */
async function gql(user: User, label: 'teamMemberKeys' | 'createProject', variables: Record<string, unknown>): Promise<{ data?: any; errors?: unknown[] }> {
  const q = CURRENT_QUERIES[label];
  const declared = Object.fromEntries(q.variables.filter((v) => v in variables).map((v) => [v, variables[v]]));
  const res = await fetch(`${stack.baseUrl}/graphql?${label}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Session-Id': user.client.sessionId!, 'X-Insomnia-Client': CURRENT_CLIENT },
    body: JSON.stringify({ query: q.query, variables: declared }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { data?: any; errors?: unknown[] };
}

/**
 * Insomnia's re-share (its invite dialog and "members lacking keys" path): GET my-project-keys, unwrap each
 * encKey with the private key, wrap it for every listed member's public key, POST reconcile-keys. Returns
 * the keys it posted and the answer (null when nothing was listed, as the app then posts nothing).
 */
async function insomniaReshare(admin: User, orgId: string) {
  const mine = await rest(admin, 'GET', `/v1/organizations/${orgId}/my-project-keys`);
  expect(mine.status).toBe(200);
  const opened = new Map<string, string>(
    (mine.body.projectKeys as Array<{ projectId: string; encKey: string }>).map((k) => [k.projectId, decryptRSAWithJWK(admin.keys.privateJwk, k.encKey)]),
  );
  const keys = (mine.body.members as Array<{ accountId: string; projectId: string; publicKey: string }>).map((m) => ({
    projectId: m.projectId,
    accountId: m.accountId,
    encSymmetricKey: encryptRSAWithJWK(parseRsaPublicJwk(JSON.parse(m.publicKey)), opened.get(m.projectId)!),
  }));
  if (keys.length === 0) return { listed: mine.body.members, answer: null };
  return { listed: mine.body.members, answer: await rest(admin, 'POST', `/v1/organizations/${orgId}/reconcile-keys`, { keys }) };
}

/** Both sides hold the same key iff a ciphertext made under one opens under the other. */
const sameKey = (a: AesJwk, b: AesJwk) => expect(b.k).toBe(a.k);

describe('a changed key is quarantined until an owner or admin approves its fingerprint', () => {
  it('after a reset nothing is wrapped for the new key, by our SDK or by Insomnia’s calls, until approved with the right fingerprint; then every key follows', async () => {
    const jane = await signedUp('jane'); // owner
    const ada = await signedUp('ada'); // admin
    const bob = await signedUp('bob'); // member, who resets
    const dave = await signedUp('dave'); // member
    const olga = await signedUp('olga'); // owner of another org
    const orgId = (await jane.client.createOrg('Quarantine team')).id;
    const otherOrgId = (await olga.client.createOrg('Elsewhere')).id;
    const first = await jane.client.createProject({ orgId, name: 'Payments API', publicJwk: jane.keys.publicJwk });
    await joins(jane, ada, orgId, 'admin');
    await joins(jane, bob, orgId, 'member');
    await joins(jane, dave, orgId, 'member');
    await jane.client.reshareKeys(orgId, jane.keys);
    sameKey(first.projectKey, await bob.client.projectKey(orgId, first.project.id, bob.keys.privateJwk));

    // joining approved the key each member had then
    const before = await jane.client.members(orgId);
    expect(before.map((m) => [m.user_id, m.keyStatus, m.fingerprint]).sort()).toEqual(
      [jane, ada, bob, dave].map((u) => [u.accountId, 'approved', fingerprintOf(u.keys.publicJwk)]).sort(),
    );
    const oldBobFingerprint = fingerprintOf(bob.keys.publicJwk);

    // ── Bob's account is reset: a new key pair ──
    const janeMails = stack.smtp.messagesTo(jane.email).length;
    const adaMails = stack.smtp.messagesTo(ada.email).length;
    const bob2 = await reset(bob, NEW_PASS);
    const newFingerprint = fingerprintOf(bob2.keys.publicJwk);
    expect(newFingerprint).not.toBe(oldBobFingerprint);

    // every owner and admin is told whose key changed, the new fingerprint, and how to approve it
    for (const [admin, count] of [[jane, janeMails], [ada, adaMails]] as const) {
      const mail = await nextMailTo(admin.email, count);
      expect(mail.subject).toContain(bob.email);
      expect(mail.text).toContain(newFingerprint);
      expect(mail.text).toContain(`somnus org approve-key ${orgId} ${bob.accountId}`);
      expect(mail.text).toMatch(/out of band/);
    }
    expect(stack.smtp.messagesTo(dave.email).filter((m) => m.text.includes(newFingerprint))).toHaveLength(0);

    const pending = (await jane.client.members(orgId, { email: bob.email }))[0]!;
    expect(pending).toMatchObject({ user_id: bob.accountId, fingerprint: newFingerprint, keyStatus: 'pending', lacks_keys: true });

    // ── before approval: our SDK's re-share wraps nothing for Bob ──
    expect(await jane.client.reshareKeys(orgId, jane.keys)).toEqual({ shared: [], skipped: [], unopenable: [] });
    // Insomnia's calls: my-project-keys lists nobody, so the app posts nothing
    const listedBefore = await insomniaReshare(ada, orgId);
    expect(listedBefore).toEqual({ listed: [], answer: null });
    // a client that wraps for Bob's new key anyway (read elsewhere) is refused, and nothing is stored
    const forged = await rest(ada, 'POST', `/v1/organizations/${orgId}/reconcile-keys`, {
      keys: [{ projectId: first.project.id, accountId: bob.accountId, encSymmetricKey: encryptRSAWithJWK(bob2.keys.publicJwk, JSON.stringify(first.projectKey)) }],
    });
    expect(forged.status).toBe(409);
    expect(forged.body).toEqual({ error: 'KEY_NOT_APPROVED', message: expect.stringContaining(bob.accountId) });
    await expect(bob2.client.projectKey(orgId, first.project.id, bob2.keys.privateJwk)).rejects.toBeInstanceOf(NoProjectKeyError);

    // GraphQL era: teamMemberKeys leaves Bob out, and a new project's keys need not (and may not) cover him
    const listed = await gql(dave, 'teamMemberKeys', { teamId: orgId });
    expect((listed.data.teamMemberKeys.memberKeys as Array<{ accountId: string }>).map((m) => m.accountId).sort()).toEqual([jane, ada, dave].map((u) => u.accountId).sort());
    const key = generateAesJwk();
    const wrapFor = (publicKey: string) => encryptRSAWithJWK(parseRsaPublicJwk(JSON.parse(publicKey)), JSON.stringify(key));
    const teamKeys = (listed.data.teamMemberKeys.memberKeys as Array<{ accountId: string; publicKey: string; autoLinked: boolean }>).map(({ publicKey, ...m }) => ({
      ...m,
      encSymmetricKey: wrapFor(publicKey),
    }));
    const withBob = await gql(dave, 'createProject', {
      name: 'Sneaky',
      id: newProjectId(),
      rootDocumentId: 'wrk_sneaky',
      teamId: orgId,
      teamKeys: [...teamKeys, { accountId: bob.accountId, autoLinked: false, encSymmetricKey: wrapFor(JSON.stringify(bob2.keys.publicJwk)) }],
    });
    expect(withBob.errors?.length).toBeGreaterThan(0);
    const secondId = newProjectId();
    const created = await gql(dave, 'createProject', { name: 'Ledger', id: secondId, rootDocumentId: 'wrk_ledger', teamId: orgId, teamKeys });
    expect(created.errors).toBeUndefined();
    expect(created.data.projectCreate.id).toBe(secondId);
    // our SDK's createProject likewise wraps for the approved members only
    const third = await jane.client.createProject({ orgId, name: 'Billing API', publicJwk: jane.keys.publicJwk });
    expect(third.sharedWith.sort()).toEqual([jane, ada, dave].map((u) => u.accountId).sort());

    // ── approval: who may, and with what ──
    const approvePath = `/v1/organizations/${orgId}/members/${bob.accountId}/approve-key`;
    const asMember = await apiError(dave.client.approveKey(orgId, bob.accountId, newFingerprint));
    expect([asMember.status, asMember.code]).toEqual([403, 'FORBIDDEN']);
    const bySelf = await apiError(bob2.client.approveKey(orgId, bob.accountId, newFingerprint));
    expect(bySelf.status).toBe(403);
    const otherAdmin = await apiError(olga.client.approveKey(orgId, bob.accountId, newFingerprint));
    expect(otherAdmin.status).toBe(404);
    // Olga's own org does not have Bob: her approval there names nobody
    expect((await apiError(olga.client.approveKey(otherOrgId, bob.accountId, newFingerprint))).status).toBe(404);
    for (const body of [{}, { fingerprint: 'abc' }, { fingerprint: '1'.repeat(29) }, { fingerprint: 42 }]) {
      const bad = await rest(jane, 'POST', approvePath, body);
      expect({ body, status: bad.status, error: bad.body.error }).toEqual({ body, status: 400, error: 'VALIDATION_ERROR' });
      expect(typeof bad.body.message).toBe('string');
    }
    // the old key's fingerprint (an approval replayed) and a wrong one are refused
    for (const wrong of [oldBobFingerprint, '12345 67890 12345 67890 12345 67890']) {
      const refused = await rest(jane, 'POST', approvePath, { fingerprint: wrong });
      expect(refused.status).toBe(409);
      expect(refused.body).toEqual({ error: 'FINGERPRINT_MISMATCH', message: expect.any(String) });
    }
    expect((await jane.client.members(orgId, { email: bob.email }))[0]).toMatchObject({ keyStatus: 'pending' });
    expect(await insomniaReshare(ada, orgId)).toEqual({ listed: [], answer: null });

    // the right one, as people type it (dashes), by an admin; idempotent
    const typed = newFingerprint.replace(/ /g, '-');
    expect(await ada.client.approveKey(orgId, bob.accountId, typed)).toEqual({ accountId: bob.accountId, fingerprint: newFingerprint, keyStatus: 'approved' });
    expect(await jane.client.approveKey(orgId, bob.accountId, newFingerprint)).toEqual({ accountId: bob.accountId, fingerprint: newFingerprint, keyStatus: 'approved' });
    expect((await jane.client.members(orgId, { email: bob.email }))[0]).toMatchObject({ fingerprint: newFingerprint, keyStatus: 'approved' });
    const audit = await rest(jane, 'GET', `/v1/organizations/${orgId}/audit-events`);
    const approvals = (audit.body.events as Array<{ type: string; subject: string; details: Record<string, unknown>; actor: { accountId: string } }>).filter((e) => e.type === 'member.key_approved');
    expect(approvals).toEqual([expect.objectContaining({ subject: bob.accountId, actor: expect.objectContaining({ accountId: ada.accountId }), details: expect.objectContaining({ fingerprint: newFingerprint }) })]);
    const keysReset = (audit.body.events as Array<{ type: string; details: Record<string, unknown> }>).find((e) => e.type === 'member.keys_reset');
    expect(keysReset?.details).toMatchObject({ fingerprint: newFingerprint, previousFingerprint: oldBobFingerprint });

    // ── after approval: Insomnia's calls wrap every key for Bob, and he reads each project ──
    const { listed: nowListed, answer } = await insomniaReshare(ada, orgId);
    expect((nowListed as Array<{ accountId: string }>).every((m) => m.accountId === bob.accountId)).toBe(true);
    expect(answer).toEqual({ status: 200, body: { count: 3 } }); // the first project, Ledger and Billing API
    expect((await gql(dave, 'teamMemberKeys', { teamId: orgId })).data.teamMemberKeys.memberKeys.map((m: { accountId: string }) => m.accountId)).toContain(bob.accountId);
    // our SDK then finds nothing left to share
    expect(await jane.client.reshareKeys(orgId, jane.keys)).toEqual({ shared: [], skipped: [], unopenable: [] });
    sameKey(first.projectKey, await bob2.client.projectKey(orgId, first.project.id, bob2.keys.privateJwk));
    sameKey(key, await bob2.client.projectKey(orgId, secondId, bob2.keys.privateJwk));
    sameKey(third.projectKey, await bob2.client.projectKey(orgId, third.project.id, bob2.keys.privateJwk));
    expect((await jane.client.members(orgId, { email: bob.email }))[0]).toMatchObject({ lacks_keys: false, keyStatus: 'approved' });

    // ── a second reset: the approval given before does not carry over to the next key ──
    const bob3 = await reset(bob2, THIRD_PASS);
    const replay = await apiError(jane.client.approveKey(orgId, bob.accountId, newFingerprint));
    expect([replay.status, replay.code]).toEqual([409, 'FINGERPRINT_MISMATCH']);
    expect(await jane.client.reshareKeys(orgId, jane.keys)).toEqual({ shared: [], skipped: [], unopenable: [] });
    await jane.client.approveKey(orgId, bob.accountId, fingerprintOf(bob3.keys.publicJwk));
    expect((await jane.client.reshareKeys(orgId, jane.keys)).shared).toHaveLength(3);
    sameKey(first.projectKey, await bob3.client.projectKey(orgId, first.project.id, bob3.keys.privateJwk));
  });

  it('an owner or admin whose own key changed approves no key and invites nobody until another approves theirs', async () => {
    // an attacker who took over Ada's mailbox resets her: with her admin role intact, she must not approve
    // the key of another account she reset, nor invite an account of her own (outside review of issue 14)
    const jane = await signedUp('jane');
    const adaBefore = await signedUp('ada');
    const bobBefore = await signedUp('bob');
    const { id: orgId } = await jane.client.createOrg('Guarded');
    await joins(jane, adaBefore, orgId, 'admin');
    await joins(jane, bobBefore, orgId, 'member');
    const ada = await reset(adaBefore, NEW_PASS);
    const bob = await reset(bobBefore, NEW_PASS);
    const bobFingerprint = fingerprintOf(JSON.stringify(bob.keys.publicJwk));

    const refused = async (p: Promise<unknown>) => {
      const err = await p.then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(SomnusApiError);
      expect((err as SomnusApiError).status).toBe(403);
      expect((err as SomnusApiError).message).toMatch(/your own key changed/i);
    };
    await refused(ada.client.approveKey(orgId, bob.accountId, bobFingerprint));
    await refused(ada.client.invite(orgId, newEmail('mallory'), 'member', ada.keys));
    expect((await jane.client.members(orgId)).find((m) => m.user_id === bob.accountId)?.keyStatus).toBe('pending');
    expect((await jane.client.orgInvites(orgId)).length).toBe(0);

    // once Jane compared and approved Ada's new key, Ada is an admin again
    await jane.client.approveKey(orgId, ada.accountId, fingerprintOf(JSON.stringify(ada.keys.publicJwk)));
    await ada.client.approveKey(orgId, bob.accountId, bobFingerprint);
    expect((await jane.client.members(orgId)).find((m) => m.user_id === bob.accountId)?.keyStatus).toBe('approved');
  });

  it('an invitee whose key changed within an invitation’s lifetime is offered no key and joins pending', async () => {
    const jane = await signedUp('jane');
    const carol = await signedUp('carol');
    const orgId = (await jane.client.createOrg('Invite rule')).id;
    const project = await jane.client.createProject({ orgId, name: 'Docs', publicJwk: jane.keys.publicJwk });
    const carol2 = await reset(carol, NEW_PASS);

    const instructions = await rest(jane, 'POST', `/v1/organizations/${orgId}/invites/instructions`, { inviteeEmail: carol.email });
    expect(instructions.status).toBe(200);
    expect(instructions.body).toMatchObject({ inviteeId: '', inviteePublicKey: '' });
    // keys wrapped for her new key anyway are refused with the invitation, and no invitation is made
    const withKeys = await rest(jane, 'POST', `/v1/organizations/${orgId}/invites`, {
      inviteeEmail: carol.email,
      inviteKeys: [{ projectId: project.project.id, encSymmetricKey: encryptRSAWithJWK(carol2.keys.publicJwk, JSON.stringify(project.projectKey)) }],
    });
    expect(withKeys.status).toBe(409);
    expect(withKeys.body.error).toBe('KEY_NOT_APPROVED');

    // the SDK's invite flow sends no keys; she joins quarantined
    const { invitation, projectsShared } = await jane.client.invite(orgId, carol.email, 'member', jane.keys);
    expect(projectsShared).toBe(0);
    expect(await carol2.client.acceptInvite(invitation.id)).toMatchObject({ organizationId: orgId, projectKeys: 0 });
    expect((await jane.client.members(orgId, { email: carol.email }))[0]).toMatchObject({ keyStatus: 'pending', fingerprint: fingerprintOf(carol2.keys.publicJwk) });
    expect(await jane.client.reshareKeys(orgId, jane.keys)).toEqual({ shared: [], skipped: [], unopenable: [] });
    await jane.client.approveKey(orgId, carol.accountId, fingerprintOf(carol2.keys.publicJwk));
    expect((await jane.client.reshareKeys(orgId, jane.keys)).shared).toEqual([{ projectId: project.project.id, accountId: carol.accountId }]);
    sameKey(project.projectKey, await carol2.client.projectKey(orgId, project.project.id, carol2.keys.privateJwk));
  });
});
