/**
 * Issue 3 "Done when", end to end through the real gateway (test/support/stack.ts: Postgres, every
 * function, SMTP sink) with the SDK and the `somnus` CLI as users run them. Nothing here talks to
 * the database or the functions directly; emailed codes and invitations are read from the SMTP sink
 * like a user reads email. Project keys are checked by what matters: what Jane encrypts under her
 * key, the other member decrypts under theirs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptAES, encryptAES, WrongPassphraseError, type AccountKeys, type AesJwk } from '@somnus/crypto';
import { NoProjectKeyError, SomnusApiError, SomnusClient, SyncGraphqlError } from '@somnus/client';
import { main, type CliIo } from '@somnus/client/src/cli';
import { fingerprintOf } from '@somnus/models';
import { startTestStack, type TestStack } from '../support/stack';
import { latestVerificationMail } from '../support/accounts';
import { extractCode } from '../support/smtp';
import { apiError } from '../support/api-error';

let stack: TestStack;
let n = 0;
/** A fresh address per scenario (capitals on purpose: everything must normalise). */
const newEmail = (tag: string) => `${tag}.${process.pid}.${++n}@Example.com`;
const PASS = 'correct horse battery staple';
const NEW_PASS = 'a quite different passphrase';

beforeAll(async () => {
  stack = await startTestStack({ env: { LOG_LEVEL: 'silent' } });
});
afterAll(async () => {
  await stack?.stop();
});

const sdk = () => new SomnusClient({ baseUrl: stack.baseUrl });

interface User {
  email: string;
  accountId: string;
  client: SomnusClient;
  keys: AccountKeys;
}

/** Signs up and logs in; unless `verify` is false, verifies the address with the code of the verification email. */
async function signedUpAndLoggedIn(tag: string, passphrase = PASS, { verify = true } = {}): Promise<User> {
  const email = newEmail(tag);
  const client = sdk();
  const { accountId } = await client.signup({ email, passphrase });
  await client.login({ email, passphrase });
  if (verify) await client.verifyEmail(extractCode(await latestVerificationMail(stack.smtp, email.toLowerCase())));
  return { email: email.toLowerCase(), accountId, client, keys: await client.unwrapKeys(passphrase) };
}


async function graphqlError(p: Promise<unknown>): Promise<SyncGraphqlError> {
  const err = await p.then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e,
  );
  if (!(err instanceof SyncGraphqlError)) throw err;
  return err;
}

/** The link of an invitation email (`…/app/invite/?invite=<token>`). */
const invitationLink = (text: string) => /https?:\/\/\S+\/app\/invite\/\?invite=[0-9a-f]{64}/.exec(text)![0];

/** The first email to `to` that arrives after `before` was taken (so an older one is never reused). */
async function nextMailTo(to: string, before: number) {
  return stack.smtp.waitForMessage((m) => m.to.some((r) => r.toLowerCase() === to) && stack.smtp.messagesTo(to).indexOf(m) >= before, 15_000);
}

/** Both sides hold the same key iff a ciphertext made under one opens under the other. */
function expectSameKey(mine: AesJwk, theirs: AesJwk): void {
  const secret = `request body ${n}`;
  expect(decryptAES(theirs, encryptAES(mine, secret))).toBe(secret);
  expect(theirs).toEqual(mine);
}

describe('organizations, invites and key sharing end to end', () => {
  it('Jane shares a project with Bob and Dave; Bob resets his passphrase and is re-shared; Bob is removed', async () => {
    const jane = await signedUpAndLoggedIn('jane');

    // the personal org from signup, as Insomnia requires it
    const initial = await jane.client.listOrgs();
    expect(initial).toHaveLength(1);
    expect(initial[0]!.metadata).toEqual({ organizationType: 'personal', ownerAccountId: jane.accountId });

    const org = await jane.client.createOrg('Acme API team');
    expect(org.metadata).toEqual({ organizationType: 'team', ownerAccountId: jane.accountId });
    const orgId = org.id;
    const { project, projectKey, sharedWith } = await jane.client.createProject({ orgId, name: 'Payments API', publicJwk: jane.keys.publicJwk });
    expect(project.id).toMatch(/^prj_[0-9a-f]{32}$/);
    expect(sharedWith).toEqual([jane.accountId]);
    expect((await jane.client.projects(orgId)).map((p) => p.id)).toEqual([project.id]);
    expectSameKey(projectKey, await jane.client.projectKey(orgId, project.id, jane.keys.privateJwk));

    // ── Bob has a verified account: his key travels with the invitation ──
    const bob = await signedUpAndLoggedIn('bob');
    const bobMails = stack.smtp.messagesTo(bob.email).length;
    const bobInvite = await jane.client.invite(orgId, bob.email, 'admin', jane.keys);
    expect(bobInvite).toMatchObject({ inviteeHasAccount: true, projectsShared: 1 });
    expect(bobInvite.invitation).toMatchObject({ inviteeEmail: bob.email, role: 'admin' });
    const invitationMail = await nextMailTo(bob.email, bobMails);
    expect(invitationMail.text).toContain('Acme API team');
    // the org's pending list shows the role the client PATCHed after creating the invite
    expect(await jane.client.orgInvites(orgId)).toEqual([expect.objectContaining({ id: bobInvite.invitation.id, roles: ['admin'] })]);

    // before accepting Bob is no member: the org and its keys are invisible to him
    expect((await apiError(bob.client.myProjectKeys(orgId))).status).toBe(404);
    const bobsInvites = await bob.client.myInvites();
    expect(bobsInvites).toEqual([expect.objectContaining({ id: bobInvite.invitation.id, role: 'admin', organization: { id: orgId, name: 'Acme API team' } })]);
    expect(await bob.client.acceptInvite(bobInvite.invitation.id)).toEqual({ organizationId: orgId, role: 'admin', projectKeys: 1 });
    expectSameKey(projectKey, await bob.client.projectKey(orgId, project.id, bob.keys.privateJwk));
    // an accepted invitation is spent
    expect((await apiError(bob.client.acceptInvite(bobInvite.invitation.id))).status).toBe(409);
    expect(await bob.client.myInvites()).toEqual([]);

    // ── Dave has no account yet: he joins first, his key follows through reconcile-keys ──
    const daveEmail = newEmail('dave').toLowerCase();
    const daveInvite = await jane.client.invite(orgId, daveEmail, 'member', jane.keys);
    expect(daveInvite).toMatchObject({ inviteeHasAccount: false, projectsShared: 0 });
    const daveLink = invitationLink((await nextMailTo(daveEmail, 0)).text);
    const daveClient = sdk();
    // signing up from the invitation's link verifies the address: no verification email
    const daveSignup = await daveClient.signup({ email: daveEmail, passphrase: PASS, invite: daveLink });
    expect(daveSignup.isVerified).toBe(true);
    expect(stack.smtp.messagesTo(daveEmail)).toHaveLength(1);
    await daveClient.login({ email: daveEmail, passphrase: PASS });
    const dave: User = { email: daveEmail, accountId: daveSignup.accountId, client: daveClient, keys: await daveClient.unwrapKeys(PASS) };
    const [daveInvitation] = await dave.client.myInvites();
    expect(daveInvitation).toMatchObject({ id: daveInvite.invitation.id, role: 'member' });
    expect(await dave.client.acceptInvite(daveInvitation!.id)).toEqual({ organizationId: orgId, role: 'member', projectKeys: 0 });
    await expect(dave.client.projectKey(orgId, project.id, dave.keys.privateJwk)).rejects.toBeInstanceOf(NoProjectKeyError);
    // Jane's client is told who lacks which key, with the public key to wrap it for
    const pending = await jane.client.myProjectKeys(orgId);
    expect(pending.members).toEqual([{ accountId: dave.accountId, projectId: project.id, publicKey: JSON.stringify(dave.keys.publicJwk) }]);
    const daveShare = await jane.client.reshareKeys(orgId, jane.keys);
    expect(daveShare).toEqual({ shared: [{ projectId: project.id, accountId: dave.accountId }], skipped: [], unopenable: [] });
    expectSameKey(projectKey, await dave.client.projectKey(orgId, project.id, dave.keys.privateJwk));
    expect((await jane.client.myProjectKeys(orgId)).members).toEqual([]);
    // a second reshare finds nothing to do
    expect(await jane.client.reshareKeys(orgId, jane.keys)).toEqual({ shared: [], skipped: [], unopenable: [] });

    // a project created now is wrapped for every member at once, with public keys fetched from the server
    const second = await jane.client.createProject({ orgId, name: 'Billing API', publicJwk: jane.keys.publicJwk });
    expect(second.sharedWith.sort()).toEqual([jane.accountId, bob.accountId, dave.accountId].sort());
    expectSameKey(second.projectKey, await bob.client.projectKey(orgId, second.project.id, bob.keys.privateJwk));
    expectSameKey(second.projectKey, await dave.client.projectKey(orgId, second.project.id, dave.keys.privateJwk));

    // ── Bob forgets his passphrase: new keys, same membership, Jane re-shares ──
    const oldBobToken = bob.client.sessionId!;
    const resetMails = stack.smtp.messagesTo(bob.email).length;
    const anonymous = sdk();
    await anonymous.sendResetCode(bob.email);
    const code = extractCode(await nextMailTo(bob.email, resetMails));
    await anonymous.resetAccount({ email: bob.email, code, newPassphrase: NEW_PASS });
    // every session of Bob's ended
    expect((await apiError(new SomnusClient({ baseUrl: stack.baseUrl, sessionId: oldBobToken }).whoami())).status).toBe(401);
    // the old passphrase is refused by the server, the new one opens new keys
    await expect(sdk().login({ email: bob.email, passphrase: PASS })).rejects.toBeInstanceOf(SomnusApiError);
    const bobAgain = sdk();
    await bobAgain.login({ email: bob.email, passphrase: NEW_PASS });
    const bobNewKeys = await bobAgain.unwrapKeys(NEW_PASS);
    expect(bobNewKeys.publicJwk.n).not.toBe(bob.keys.publicJwk.n);
    await expect(bobAgain.unwrapKeys(PASS)).rejects.toBeInstanceOf(WrongPassphraseError);

    expect((await bobAgain.listOrgs()).map((o) => o.id)).toContain(orgId);
    const bobMember = (await jane.client.members(orgId, { email: bob.email }))[0];
    expect(bobMember).toMatchObject({ user_id: bob.accountId, role_name: 'admin', lacks_keys: true });
    // his wrapped copies went with the old keys
    await expect(bobAgain.projectKey(orgId, project.id, bobNewKeys.privateJwk)).rejects.toBeInstanceOf(NoProjectKeyError);
    // his new key is quarantined (docs/protocol.md §6, key approval): nothing is wrapped for it until Jane
    // compares fingerprints with him and approves it
    const bobFingerprint = fingerprintOf(bobNewKeys.publicJwk);
    expect(bobMember).toMatchObject({ fingerprint: bobFingerprint, keyStatus: 'pending' });
    expect(await jane.client.reshareKeys(orgId, jane.keys)).toEqual({ shared: [], skipped: [], unopenable: [] });
    await jane.client.approveKey(orgId, bob.accountId, bobFingerprint);
    // a plain member sees who lacks keys but may not re-share (reconcile-keys is for owners and admins)
    expect((await apiError(dave.client.reshareKeys(orgId, dave.keys))).status).toBe(403);
    const bobShare = await jane.client.reshareKeys(orgId, jane.keys);
    expect(bobShare.shared.sort((a, b) => a.projectId.localeCompare(b.projectId))).toEqual(
      [project.id, second.project.id].sort().map((projectId) => ({ projectId, accountId: bob.accountId })),
    );
    expectSameKey(projectKey, await bobAgain.projectKey(orgId, project.id, bobNewKeys.privateJwk));
    expectSameKey(second.projectKey, await bobAgain.projectKey(orgId, second.project.id, bobNewKeys.privateJwk));
    expect((await jane.client.members(orgId, { email: bob.email }))[0]).toMatchObject({ lacks_keys: false });

    // ── Bob is removed and loses access at once ──
    await jane.client.removeMember(orgId, bob.accountId);
    expect((await apiError(bobAgain.myProjectKeys(orgId))).status).toBe(404);
    expect((await apiError(bobAgain.projectKey(orgId, project.id, bobNewKeys.privateJwk))).status).toBe(404);
    expect((await apiError(bobAgain.getOrg(orgId))).status).toBe(404);
    expect((await bobAgain.listOrgs()).map((o) => o.id)).not.toContain(orgId);
    const remaining = await jane.client.members(orgId);
    expect(remaining.map((m) => m.user_id).sort()).toEqual([jane.accountId, dave.accountId].sort());
    // Dave is unaffected
    expectSameKey(projectKey, await dave.client.projectKey(orgId, project.id, dave.keys.privateJwk));
  });

  it('an address invited before it had an account: unverified it sees nothing, the invitation’s link verifies it; an unverified account is not mailed nor handed out', async () => {
    const jane = await signedUpAndLoggedIn('jane');
    const { id: orgId } = await jane.client.createOrg('Link team');
    await jane.client.createProject({ orgId, name: 'Link API', publicJwk: jane.keys.publicJwk });
    const erinEmail = newEmail('erin').toLowerCase();
    const erinInvite = await jane.client.invite(orgId, erinEmail, 'member', jane.keys);
    expect(erinInvite).toMatchObject({ inviteeHasAccount: false, projectsShared: 0 });
    const link = invitationLink((await nextMailTo(erinEmail, 0)).text);

    // Erin signs up without the link: her address is not verified yet
    const erinClient = sdk();
    const signup = await erinClient.signup({ email: erinEmail, passphrase: PASS });
    expect(signup.isVerified).toBe(false);
    await erinClient.login({ email: erinEmail, passphrase: PASS });
    // anyone can sign up with any address: an unverified account sees no invitation addressed to it…
    expect((await apiError(erinClient.myInvites())).code).toBe('EMAIL_NOT_VERIFIED');
    expect((await apiError(erinClient.acceptInvite(erinInvite.invitation.id))).code).toBe('EMAIL_NOT_VERIFIED');
    // …and to an inviter it is no account: another org's invitation is not mailed and carries no key
    const { id: otherOrg } = await jane.client.createOrg('Other team');
    await jane.client.createProject({ orgId: otherOrg, name: 'Other API', publicJwk: jane.keys.publicJwk });
    const mails = stack.smtp.messagesTo(erinEmail).length;
    const unmailed = await jane.client.invite(otherOrg, erinEmail, 'member', jane.keys);
    expect(unmailed).toMatchObject({ inviteeHasAccount: false, projectsShared: 0, invitation: { emailSent: false } });
    expect(stack.smtp.messagesTo(erinEmail)).toHaveLength(mails);

    // the invitation's link, used from her session, proves the mailbox
    expect(await erinClient.verifyWithInvite(link)).toMatchObject({ isVerified: true });
    expect((await erinClient.myInvites()).map((i) => i.id).sort()).toEqual([erinInvite.invitation.id, unmailed.invitation.id].sort());
    expect(await erinClient.acceptInvite(erinInvite.invitation.id)).toEqual({ organizationId: orgId, role: 'member', projectKeys: 0 });
  });

  it('Carol, in neither org, learns nothing about it', async () => {
    const jane = await signedUpAndLoggedIn('jane');
    const carol = await signedUpAndLoggedIn('carol');
    const { id: orgId } = await jane.client.createOrg('Private team');
    const { project } = await jane.client.createProject({ orgId, name: 'Secret', publicJwk: jane.keys.publicJwk });

    for (const call of [
      carol.client.getOrg(orgId),
      carol.client.members(orgId),
      carol.client.myProjectKeys(orgId),
      carol.client.orgInvites(orgId),
      carol.client.projectKey(orgId, project.id, carol.keys.privateJwk),
      carol.client.publicKeyOf(jane.accountId),
    ]) {
      expect((await apiError(call)).status).toBe(404);
    }
    // an org that does not exist answers the same
    const nowhere = `org_${'0'.repeat(32)}`;
    expect((await apiError(carol.client.getOrg(nowhere))).status).toBe(404);
    // the project list is GraphQL: its refusal is an error in errors[], the same as for no org at all
    const listed = await graphqlError(carol.client.projects(orgId));
    expect({ code: listed.code, message: listed.message }).toEqual({ code: 'NOT_FOUND', message: (await graphqlError(carol.client.projects(nowhere))).message });
    expect((await carol.client.listOrgs()).map((o) => o.id)).not.toContain(orgId);
  });

  it('roles, storage rule and ownership through the SDK', async () => {
    const jane = await signedUpAndLoggedIn('jane');
    const bob = await signedUpAndLoggedIn('bob');
    const { id: orgId } = await jane.client.createOrg('Roles team');
    const bobMails = stack.smtp.messagesTo(bob.email).length;
    const { invitation } = await jane.client.invite(orgId, bob.email, 'member', jane.keys);
    await nextMailTo(bob.email, bobMails);
    await bob.client.acceptInvite(invitation.id);

    // ownership is never handed out by invitation: refused before anything is sent
    await expect(jane.client.invite(orgId, newEmail('owner'), 'owner' as never, jane.keys)).rejects.toThrow(TypeError);
    expect(await jane.client.orgInvites(orgId)).toEqual([]);

    // a member may not change the storage rule; an admin may
    expect((await apiError(bob.client.setStorageRule(orgId, 'cloud_only'))).status).toBe(403);
    expect(await jane.client.storageRule(orgId)).toBe('cloud_plus_local');
    await jane.client.setRole(orgId, bob.accountId, 'admin');
    expect(await bob.client.setStorageRule(orgId, 'cloud_only')).toBe('cloud_only');
    expect(await jane.client.storageRule(orgId)).toBe('cloud_only');

    // the owner cannot leave; after transferring ownership she can
    expect((await apiError(jane.client.leaveOrg(orgId))).status).toBeGreaterThanOrEqual(400);
    expect(await jane.client.transferOwnership(orgId, bob.accountId)).toEqual({ ownerAccountId: bob.accountId });
    expect((await bob.client.getOrg(orgId)).metadata.ownerAccountId).toBe(bob.accountId);
    await jane.client.leaveOrg(orgId);
    expect((await jane.client.listOrgs()).map((o) => o.id)).not.toContain(orgId);

    await bob.client.renameOrg(orgId, 'Renamed team');
    expect((await bob.client.getOrg(orgId)).name).toBe('Renamed team');
    await bob.client.deleteOrg(orgId);
    expect((await apiError(bob.client.getOrg(orgId))).status).toBe(404);
  });
});

describe('somnus org … end to end', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'somnus-org-cli-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** One user's CLI: their own config directory, passphrase from the environment. */
  function cli(user: string, env: Record<string, string> = {}, codeFor?: string) {
    const out: string[] = [];
    const err: string[] = [];
    /** Everything this user's CLI ever printed, to check no secret was among it. */
    const transcript: string[] = [];
    let mailsBefore = 0;
    const io: CliIo = {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      env: { SOMNUS_CONFIG_DIR: join(dir, user), SOMNUS_URL: stack.baseUrl, SOMNUS_PASSPHRASE: PASS, ...env },
      // the only question a script cannot answer up front: the code, read from the mail like a user
      prompt: async (q) => {
        if (codeFor && q.startsWith('Code')) return extractCode(await nextMailTo(codeFor, mailsBefore));
        throw new Error(`unexpected prompt ${q}`);
      },
    };
    return {
      out,
      err,
      transcript,
      /** Runs a command that must fail; returns its one stderr line. */
      async fails(...argv: string[]): Promise<string> {
        out.length = 0;
        err.length = 0;
        const code = await main(argv, io);
        transcript.push(...out, ...err);
        if (code !== 1) throw new Error(`somnus ${argv.join(' ')} exited ${code}, expected 1`);
        return err.join('');
      },
      async run(...argv: string[]): Promise<string> {
        out.length = 0;
        err.length = 0;
        if (codeFor) mailsBefore = stack.smtp.messagesTo(codeFor).length;
        const code = await main(argv, io);
        transcript.push(...out, ...err);
        if (code !== 0) throw new Error(`somnus ${argv.join(' ')} exited ${code}: ${err.join('')}`);
        return out.join('');
      },
    };
  }

  it('org create → invite → accept → members, then project create and reshare', async () => {
    const janeEmail = newEmail('jane');
    const bobEmail = newEmail('bob');
    const jane = cli('jane');
    const bob = cli('bob');
    await jane.run('signup', '--email', janeEmail);
    await jane.run('login', '--email', janeEmail);
    // Jane types the code of her verification email; Bob will use the link of his invitation
    await jane.run('verify', extractCode(await latestVerificationMail(stack.smtp, janeEmail.toLowerCase())));

    const created = await jane.run('org', 'create', 'CLI team');
    const orgId = /\b(org_[0-9a-f]{32})\b/.exec(created)?.[1];
    expect(orgId).toBeDefined();
    expect(await jane.run('org', 'list')).toContain(orgId);

    const projectOut = await jane.run('project', 'create', orgId!, 'CLI project');
    expect(projectOut).toMatch(/prj_[0-9a-f]{32}/);

    const invited = await jane.run('org', 'invite', orgId!, bobEmail, '--role', 'admin');
    const inviteId = /\b(inv_[0-9a-f]{32})\b/.exec(invited)?.[1];
    expect(inviteId).toBeDefined();
    // Bob has no account yet: his key follows by reshare once he has joined
    expect(invited).not.toMatch(/1 project key/);

    // he signs up without the invitation's link: until he proves the mailbox, he sees no invitation
    await bob.run('signup', '--email', bobEmail);
    await bob.run('login', '--email', bobEmail);
    expect(await bob.fails('org', 'invites')).toMatch(/EMAIL_NOT_VERIFIED/);
    const inviteMail = await stack.smtp.waitForMessage((m) => m.to.includes(bobEmail.toLowerCase()) && m.text.includes(inviteId!), 15_000);
    expect(await bob.run('verify', '--invite', invitationLink(inviteMail.text))).toContain('verified by the invitation link');
    const mine = await bob.run('org', 'invites');
    expect(mine).toContain(inviteId);
    expect(mine).toContain('CLI team');
    const accepted = await bob.run('org', 'accept', inviteId!);
    expect(accepted).toContain(orgId);

    const members = await jane.run('org', 'members', orgId!);
    expect(members).toContain(janeEmail.toLowerCase());
    expect(members).toContain(bobEmail.toLowerCase());
    expect(members).toMatch(new RegExp(`${bobEmail.toLowerCase().replace(/\./g, '\\.')}.*admin`));

    expect(await jane.run('org', 'reshare', orgId!)).toMatch(/Shared 1 key with 1 member/);
    expect(await jane.run('org', 'reshare', orgId!)).toMatch(/nothing to share/i);
    const bobId = (await bob.run('whoami')).match(/acct_[0-9a-f]{32}/)![0];
    expect(await jane.run('org', 'role', orgId!, bobId, 'member')).toContain('is now member');
    expect(await jane.run('org', 'members', orgId!)).toMatch(new RegExp(`${bobId} .* member`));
    expect(await jane.fails('org', 'role', orgId!, bobId, 'owner')).toMatch(/role must be admin or member/);
    expect(await bob.fails('org', 'role', orgId!, bobId, 'admin')).toMatch(/^somnus: FORBIDDEN/);
    await jane.run('org', 'role', orgId!, bobId, 'admin');

    // Bob forgets his passphrase: `account reset` mails a code, asks for it, and makes new keys
    const bobReset = cli('bob', { SOMNUS_NEW_PASSPHRASE: NEW_PASS }, bobEmail.toLowerCase());
    expect(await bobReset.run('account', 'reset', '--email', bobEmail)).toMatch(/reset with new keys/);
    expect(bobReset.transcript.join('')).not.toContain(NEW_PASS);
    const bobNew = cli('bob', { SOMNUS_PASSPHRASE: NEW_PASS });
    await bobNew.run('login', '--email', bobEmail);
    // his new key is quarantined: the reshare wraps nothing until Jane approves the fingerprint he reads her
    const listing = await jane.run('org', 'members', orgId!);
    expect(listing).toMatch(/admin {2}key \d{5}( \d{5}){5} PENDING.*\(lacks keys/);
    const bobFingerprint = /key (\d{5}(?: \d{5}){5}) PENDING/.exec(listing)![1]!;
    expect(await jane.run('org', 'reshare', orgId!)).toMatch(/nothing to share/i);
    expect(await jane.fails('org', 'approve-key', orgId!, bobEmail, '00000 00000 00000 00000 00000 00000')).toMatch(/^somnus: FINGERPRINT_MISMATCH/);
    expect(await jane.run('org', 'approve-key', orgId!, bobEmail, ...bobFingerprint.split(' '))).toContain(`Approved the key ${bobFingerprint}`);
    expect(await jane.run('org', 'members', orgId!)).toMatch(new RegExp(`key ${bobFingerprint} approved`));
    expect(await jane.run('org', 'reshare', orgId!)).toMatch(/Shared 1 key with 1 member/);
    expect(await jane.run('org', 'members', orgId!)).not.toMatch(/lacks keys/);
    expect(await jane.run('org', 'remove', orgId!, bobId)).toContain(bobId);
    expect(await bobNew.run('org', 'list')).not.toContain(orgId);

    // no secret reaches the terminal
    for (const c of [jane, bob, bobReset, bobNew]) {
      expect(c.transcript.join('')).not.toContain(PASS);
      expect(c.transcript.join('')).not.toContain(NEW_PASS);
    }
  });
});
