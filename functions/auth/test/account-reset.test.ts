import { decryptRSAWithJWK, deriveKey, encryptRSAWithJWK, generateAesJwk, unwrapAccountKeys } from '@somnus/crypto';
import { fingerprintOf, keyHistoryHash, type KeyHistoryEntry } from '@somnus/models';
import { computeClientSession, createClientEphemeral } from '@somnus/srp';
import { startFunctions } from '../../../test/support/function-server';
import { createProjectOverGraphql } from '../../../test/support/graphql-projects';
import { extractCode, mailsSettled } from '../../../test/support/smtp';
import { login, newAccount, signupVerified, type TestAccount } from '../../../test/support/accounts';

type Harness = Awaited<ReturnType<typeof startFunctions>>;
let h: Harness;

beforeAll(async () => {
  h = await startFunctions('auth', 'keys', 'invites', 'sync');
});
afterAll(async () => h?.stop());

const OLD = 'the passphrase I forgot';
const NEW = 'a passphrase I will remember';

interface Member {
  account: TestAccount;
  id: string;
  token: string;
}

async function signUp(email: string, passphrase = OLD): Promise<Member> {
  const account = await newAccount(email, passphrase);
  const id = await signupVerified(h.auth, h.smtp, account);
  const session = await login(h.auth, email, passphrase);
  expect(session.status).toBe(200);
  return { account, id, token: session.token! };
}

const auth = (m: Member) => ({ 'X-Session-Id': m.token });

async function personalOrgOf(accountId: string): Promise<string> {
  const { rows } = await h.db.query("SELECT id FROM organizations WHERE owner_account_id = $1 AND type = 'personal'", [accountId]);
  return rows[0].id;
}

/** The client side of an invitation (docs/protocol.md §6), then the invitee accepts: membership the real way. */
async function invite(orgId: string, inviter: Member, invitee: Member, role: 'admin' | 'member', inviteKeys: unknown[] = []) {
  const instr = await h.invites.post(`/v1/organizations/${orgId}/invites/instructions`, { inviteeEmail: invitee.account.email }, auth(inviter));
  expect(instr.status).toBe(200);
  const sent = await h.invites.post(
    `/v1/organizations/${orgId}/invites`,
    { inviteeId: instr.body.inviteeId, inviteeEmail: invitee.account.email, inviteKeys, role },
    auth(inviter),
  );
  expect(sent.status).toBe(201);
  return sent.body.id as string;
}

async function join(orgId: string, inviter: Member, invitee: Member, role: 'admin' | 'member') {
  const inviteId = await invite(orgId, inviter, invitee, role);
  expect((await h.invites.post(`/v1/invites/${inviteId}/accept`, undefined, auth(invitee))).status).toBe(200);
}

const wrapFor = (m: Member, key: string) => encryptRSAWithJWK(m.account.material.publicJwk, key);

/**
 * A VCS project created through GraphQL projectCreate, its key wrapped for each holder (the creator
 * first), as a client does. The server requires the holders to be exactly the org's current members:
 * who holds a key is decided by who had joined when the project was made.
 */
async function project(orgId: string, holders: Member[]): Promise<{ id: string; key: string }> {
  const key = JSON.stringify(generateAesJwk());
  const { id } = await createProjectOverGraphql(h.sync, auth(holders[0]!), {
    name: 'Project',
    teamId: orgId,
    teamKeys: holders.map((m) => ({ accountId: m.id, encSymmetricKey: wrapFor(m, key) })),
  });
  return { id, key };
}

const reshareMailsTo = (email: string) => h.smtp.messagesTo(email).filter((m) => m.subject.includes('compare and approve'));

/** What the client of a user who forgot their passphrase sends: entirely new key material. */
async function resetBody(email: string, code: string) {
  const fresh = await newAccount(email, NEW);
  const { firstName: _f, lastName: _l, ...keys } = fresh.signupBody;
  return { body: { ...keys, email, code }, fresh };
}

const resetMailsTo = (email: string) => h.smtp.messagesTo(email).filter((m) => m.subject.includes('account reset code'));

async function requestResetCode(email: string): Promise<string> {
  const before = resetMailsTo(email).length;
  const res = await h.auth.post('/auth/send-reset-code', { email });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ ok: true });
  // the email goes out through the outbox and notify, just after the answer
  const mails = await mailsSettled(() => resetMailsTo(email), before + 1);
  expect(mails.length).toBe(before + 1);
  return extractCode(mails[mails.length - 1]!);
}

/** Everything a reset touches, to prove that a refused one touches none of it. */
async function stateOf(accountId: string) {
  const q = async (sql: string) => (await h.db.query(sql, [accountId])).rows;
  return {
    account: await q('SELECT salt_key, salt_auth, salt_enc, verifier, public_key, enc_private_key, enc_symmetric_key, srp_profile FROM accounts WHERE id = $1'),
    keys: await q('SELECT project_id, enc_symmetric_key FROM project_keys WHERE account_id = $1 ORDER BY project_id'),
    projects: await q('SELECT p.id FROM projects p JOIN memberships m ON m.org_id = p.org_id WHERE m.account_id = $1 ORDER BY p.id'),
    memberships: await q('SELECT org_id, role, lacks_keys FROM memberships WHERE account_id = $1 ORDER BY org_id'),
    liveSessions: await q('SELECT id FROM sessions WHERE account_id = $1 AND revoked_at IS NULL ORDER BY id'),
    events: await q("SELECT type FROM account_audit_events WHERE account_id = $1 AND type = 'account.reset'"),
  };
}

describe('account reset after a forgotten passphrase', () => {
  it('replaces the keys, keeps team memberships flagged, deletes what only the account could read, revokes sessions, tells the admins', async () => {
    const jane = await signUp('jane@reset.test');
    const ann = await signUp('ann@reset.test');
    const mike = await signUp('mike@reset.test');
    const bob = await signUp('bob@reset.test');
    const bobOtherDevice = (await login(h.auth, bob.account.email, OLD)).token!;

    const team = await h.invites.post('/v1/organizations', { name: 'Acme' }, auth(jane));
    expect(team.status).toBe(201);
    const teamId: string = team.body.id;
    const bobPersonal = await personalOrgOf(bob.id);

    // key holders follow who had joined when each project was made; invitations here carry no keys
    const janesOwn = await project(teamId, [jane]);
    await join(teamId, jane, bob, 'member');
    const shared = await project(teamId, [jane, bob]);
    await join(teamId, jane, ann, 'admin');
    await join(teamId, jane, mike, 'member');
    const personal = await project(bobPersonal, [bob]);
    // a team project only Bob can read: made in his own team before Mike joined it
    const bobsTeam = (await h.invites.post('/v1/organizations', { name: 'Bob & Co' }, auth(bob))).body.id as string;
    const bobsTeamOnly = await project(bobsTeam, [bob]);
    await join(bobsTeam, bob, mike, 'member');

    // a pending invite to another org carries a key wrapped for Bob's old public key
    const beta = (await h.invites.post('/v1/organizations', { name: 'Beta' }, auth(ann))).body.id as string;
    const betaProject = await project(beta, [ann]);
    const pendingInvite = await invite(beta, ann, bob, 'member', [{ projectId: betaProject.id, encSymmetricKey: wrapFor(bob, betaProject.key) }]);

    const code = await requestResetCode(bob.account.email);
    const mail = resetMailsTo(bob.account.email).at(-1)!;
    expect(mail.text).toMatch(/replaces your keys/);
    expect(mail.text).toMatch(/re-shares the keys/);
    const { rows: stored } = await h.db.query("SELECT code_hash FROM account_codes WHERE account_id = $1 AND purpose = 'account_reset'", [bob.id]);
    expect(stored).toHaveLength(1);
    expect(stored[0].code_hash.toString('utf8')).not.toContain(code);

    const { body, fresh } = await resetBody(bob.account.email, code);
    const res = await h.auth.post('/auth/reset', body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });

    // logins: the old passphrase is gone, the new one works; every old session is revoked
    expect((await login(h.auth, bob.account.email, OLD)).status).toBe(401);
    const now = await login(h.auth, bob.account.email, NEW);
    expect(now.status).toBe(200);
    expect((await h.auth.get('/auth/whoami', auth(bob))).status).toBe(401);
    expect((await h.auth.get('/auth/whoami', { 'X-Session-Id': bobOtherDevice })).status).toBe(401);

    // the stored key material is the new one and unwraps with the new passphrase only
    const keys = await h.keys.get('/v1/keys', { 'X-Session-Id': now.token! });
    expect(keys.status).toBe(200);
    expect(keys.body.publicKey).toBe(fresh.material.publicKey);
    const unwrapped = await unwrapAccountKeys({ passphrase: NEW, email: bob.account.email, ...keys.body });
    expect(unwrapped.symmetricKey).toEqual(fresh.material.symmetricKey);
    expect(unwrapped.privateJwk).toEqual(fresh.material.privateJwk);
    await expect(unwrapAccountKeys({ passphrase: OLD, email: bob.account.email, ...keys.body })).rejects.toThrow();

    // the key history gained entry 2 for the new key, chained to entry 1 (docs/key-authenticity.md §2)
    const history = await h.keys.get(`/v1/keys/accounts/${bob.id}/history`, { 'X-Session-Id': now.token! });
    expect(history.status).toBe(200);
    const entries = history.body.entries as KeyHistoryEntry[];
    expect(entries.map((e) => [e.seq, e.fingerprint])).toEqual([
      [1, fingerprintOf(bob.account.material.publicKey)],
      [2, fingerprintOf(fresh.material.publicKey)],
    ]);
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
    for (const e of entries) expect(keyHistoryHash(e)).toBe(e.hash);

    // wrapped keys of the account are gone; projects nobody else can read are gone; Jane's are intact
    const after = await stateOf(bob.id);
    expect(after.keys).toEqual([]);
    const { rows: projects } = await h.db.query('SELECT id FROM projects WHERE id = ANY($1) ORDER BY id', [
      [shared.id, bobsTeamOnly.id, personal.id, janesOwn.id],
    ]);
    expect(projects.map((r) => r.id).sort()).toEqual([shared.id, janesOwn.id].sort());
    const { rows: janeKeys } = await h.db.query('SELECT enc_symmetric_key FROM project_keys WHERE account_id = $1 AND project_id = $2', [jane.id, shared.id]);
    expect(decryptRSAWithJWK(jane.account.material.privateJwk, janeKeys[0].enc_symmetric_key)).toBe(shared.key);

    // memberships kept: the team ones flagged for re-sharing, the personal org untouched
    expect(after.memberships).toEqual(
      [
        { org_id: teamId, role: 'member', lacks_keys: true },
        { org_id: bobsTeam, role: 'owner', lacks_keys: true },
        { org_id: bobPersonal, role: 'owner', lacks_keys: false },
      ].sort((a, b) => a.org_id.localeCompare(b.org_id)),
    );

    // audit: the account's own log and the team's
    expect(after.events).toEqual([{ type: 'account.reset' }]);
    const { rows: orgEvents } = await h.db.query("SELECT actor_id, subject FROM org_audit_events WHERE org_id = $1 AND type = 'member.keys_reset'", [teamId]);
    expect(orgEvents).toEqual([{ actor_id: bob.id, subject: bob.id }]);

    // keys wrapped for the old public key on a pending invite could never be opened: gone, invite kept
    const { rows: inviteKeys } = await h.db.query('SELECT count(*)::int AS n FROM invite_keys WHERE invite_id = $1', [pendingInvite]);
    expect(inviteKeys).toEqual([{ n: 0 }]);
    const { rows: inviteState } = await h.db.query('SELECT status FROM invites WHERE id = $1', [pendingInvite]);
    expect(inviteState).toEqual([{ status: 'pending' }]);

    // the owner and the admin of the team are told the key changed, with its fingerprint, and asked to
    // approve it, then re-share; a plain member is not (docs/protocol.md §6, key approval)
    const fingerprint = fingerprintOf(fresh.material.publicKey);
    for (const admin of [jane, ann]) {
      const asks = reshareMailsTo(admin.account.email);
      expect(asks).toHaveLength(1);
      expect(asks[0]!.subject).toContain(bob.account.email);
      expect(asks[0]!.text).toContain(teamId);
      expect(asks[0]!.text).toContain(fingerprint);
      expect(asks[0]!.text).toContain(`somnus org approve-key ${teamId} ${bob.id}`);
    }
    expect(reshareMailsTo(mike.account.email)).toEqual([]);

    // the new key is quarantined: my-project-keys lists nothing for Bob until Jane approves it
    const quarantined = await h.invites.get(`/v1/organizations/${teamId}/my-project-keys`, auth(jane));
    expect(quarantined.body.members.filter((m: { accountId: string }) => m.accountId === bob.id)).toEqual([]);
    const approved = await h.invites.post(`/v1/organizations/${teamId}/members/${bob.id}/approve-key`, { fingerprint }, auth(jane));
    expect(approved.status).toBe(200);

    // Jane re-shares through the ordinary key-sharing endpoints; Bob reads the shared project again
    const mine = await h.invites.get(`/v1/organizations/${teamId}/my-project-keys`, auth(jane));
    expect(mine.status).toBe(200);
    // (Ann and Mike were never given keys in this setup; Bob now lacks both of Jane's projects)
    const forBob = mine.body.members.filter((m: { accountId: string }) => m.accountId === bob.id);
    expect(forBob.map((m: { projectId: string }) => m.projectId).sort()).toEqual([shared.id, janesOwn.id].sort());
    expect(forBob.every((m: { publicKey: string }) => m.publicKey === fresh.material.publicKey)).toBe(true);
    const wrapped = encryptRSAWithJWK(JSON.parse(fresh.material.publicKey), shared.key);
    const reconciled = await h.invites.post(
      `/v1/organizations/${teamId}/reconcile-keys`,
      { keys: [{ projectId: shared.id, accountId: bob.id, encSymmetricKey: wrapped }] },
      auth(jane),
    );
    expect(reconciled.status).toBe(200);
    const bobs = await h.invites.get(`/v1/organizations/${teamId}/my-project-keys`, { 'X-Session-Id': now.token! });
    expect(bobs.body.projectKeys).toHaveLength(1);
    expect(decryptRSAWithJWK(unwrapped.privateJwk, bobs.body.projectKeys[0].encKey)).toBe(shared.key);

    // the code was single-use
    const again = await resetBody(bob.account.email, code);
    const reuse = await h.auth.post('/auth/reset', again.body);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('INVALID_CODE');
    expect((await stateOf(bob.id)).account).toEqual(after.account);
  });

  it('answers an unknown email exactly like a known one, and sends nothing', async () => {
    const known = await signUp('known@reset.test');
    const unknown = await h.auth.post('/auth/send-reset-code', { email: 'Nobody@Reset.test' });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ ok: true });
    await requestResetCode(known.account.email); // the sink has seen every email sent before this one
    expect(h.smtp.messagesTo('nobody@reset.test')).toEqual([]);

    const { body } = await resetBody('nobody@reset.test', 'ABCDEFGHJK');
    const res = await h.auth.post('/auth/reset', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('INVALID_CODE');
  });

  it('a wrong code changes nothing, and five wrong codes burn the code', async () => {
    const carol = await signUp('carol@reset.test');
    const team = await h.invites.post('/v1/organizations', { name: 'Carol Co' }, auth(carol));
    await project(team.body.id, [carol]);
    await join(team.body.id, carol, await signUp('carols-colleague@reset.test'), 'member');
    const code = await requestResetCode(carol.account.email);
    const before = await stateOf(carol.id);
    expect(before.keys).toHaveLength(1);

    for (let i = 0; i < 5; i++) {
      const { body } = await resetBody(carol.account.email, `WRONGCODE${i}`);
      const res = await h.auth.post('/auth/reset', body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('INVALID_CODE');
    }
    const { rows } = await h.db.query("SELECT attempts FROM account_codes WHERE account_id = $1 AND purpose = 'account_reset'", [carol.id]);
    expect(rows[0].attempts).toBe(5);
    const { body } = await resetBody(carol.account.email, code);
    const res = await h.auth.post('/auth/reset', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('INVALID_CODE');
    expect(await stateOf(carol.id)).toEqual(before);
    expect((await login(h.auth, carol.account.email, OLD)).status).toBe(200);
  });

  it('an expired code gets 410 CODE_EXPIRED and changes nothing', async () => {
    const dave = await signUp('dave@reset.test');
    const code = await requestResetCode(dave.account.email);
    await h.db.query("UPDATE account_codes SET expires_at = now() - interval '1 second' WHERE account_id = $1", [dave.id]);
    const before = await stateOf(dave.id);
    const { body } = await resetBody(dave.account.email, code);
    const res = await h.auth.post('/auth/reset', body);
    expect(res.status).toBe(410);
    expect(res.body.error).toBe('CODE_EXPIRED');
    expect(await stateOf(dave.id)).toEqual(before);
  });

  it('refuses malformed key material with 400 and leaves the code usable', async () => {
    const erin = await signUp('erin@reset.test');
    const code = await requestResetCode(erin.account.email);
    const before = await stateOf(erin.id);
    const { body } = await resetBody(erin.account.email, code);
    for (const bad of [
      { ...body, verifier: 'zz' },
      { ...body, publicKey: '{"kty":"RSA"}' },
      { ...body, encSymmetricKey: 'not an AESMessage' },
      { ...body, saltEnc: undefined },
      { ...body, srpProfile: 'md5' },
    ]) {
      const res = await h.auth.post('/auth/reset', bad);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('VALIDATION_ERROR');
    }
    expect(await stateOf(erin.id)).toEqual(before);
    expect((await h.auth.post('/auth/reset', body)).status).toBe(200);
  });

  it('sends at most five codes per hour and still answers 200', async () => {
    const fay = await signUp('fay@reset.test');
    for (let i = 0; i < 6; i++) {
      const res = await h.auth.post('/auth/send-reset-code', { email: fay.account.email });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true });
    }
    expect(await mailsSettled(() => resetMailsTo(fay.account.email), 5)).toHaveLength(5);
  });

  it('an SRP handshake begun before the reset cannot finish with the old passphrase', async () => {
    const gus = await signUp('gus@reset.test');
    const code = await requestResetCode(gus.account.email);
    const { body } = await resetBody(gus.account.email, code);
    // login-a before the reset, M1 after it: the handshake holds the old verifier
    const eph = createClientEphemeral();
    const a = await h.auth.post('/auth/login-a', { email: gus.account.email, srpA: eph.AHex });
    expect(a.status).toBe(200);
    expect((await h.auth.post('/auth/reset', body)).status).toBe(200);
    const session = computeClientSession({
      profile: 'insomnia',
      identity: gus.account.email,
      saltHex: gus.account.material.saltAuth,
      password: Buffer.from(await deriveKey(OLD, gus.account.email, gus.account.material.saltKey), 'hex'),
      aHex: eph.aHex,
      AHex: eph.AHex,
      BHex: a.body.srpB,
    });
    const m1 = await h.auth.post('/auth/login-m1', { sessionStarterId: a.body.sessionStarterId, srpM1: session.M1Hex });
    expect(m1.status).toBe(401);
  });
});
