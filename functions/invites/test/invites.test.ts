import { Pool } from 'pg';
import { deriveKey, rewrapAccountKey } from '@somnus/crypto';
import { useLiveSession, withTenant } from '@somnus/db';
import { hashSessionToken, tenantOf } from '@somnus/runtime';
import { computeVerifier } from '@somnus/srp';
import { startFunctions } from '../../../test/support/function-server';
import { newAccount, VERIFICATION_SUBJECT, verifyEmail } from '../../../test/support/accounts';
import { extractCode, mailsSettled } from '../../../test/support/smtp';
import {
  accept,
  as,
  client,
  counts,
  createProject,
  invitationMail,
  invitationToken,
  signUp,
  teamOrg,
  unwrap,
  wrapFor,
  type Harness,
  type User,
} from './key-sharing-support';

let h: Harness;
let jane: User;
let bob: User;
let carol: User;

beforeAll(async () => {
  h = await startFunctions('auth', 'keys', 'invites', 'sync');
  [jane, bob, carol] = await Promise.all([signUp(h, 'jane@acme.test'), signUp(h, 'bob@acme.test'), signUp(h, 'carol@other.test')]);
});
afterAll(async () => h?.stop());
// every test starts with no lookups or emails counted against anyone: the limits have tests of their own
beforeEach(async () => {
  await h.db.query(`DELETE FROM account_audit_events WHERE type = 'invite.lookup'`);
  await h.db.query('DELETE FROM mail_sends');
});

const J = () => client(h.invites, jane);
const B = () => client(h.invites, bob);
const C = () => client(h.invites, carol);

async function expectNoChange(before: Record<string, number>) {
  expect(await counts(h)).toEqual(before);
}

/** Instructions → my-project-keys → wrap for the invitee → invites: the client side of docs/protocol.md §6. */
async function invite(inviter: User, orgId: string, email: string, extra: Record<string, unknown> = {}) {
  const inviterApi = client(h.invites, inviter);
  const instr = await inviterApi.post(`/v1/organizations/${orgId}/invites/instructions`, { inviteeEmail: email });
  expect(instr.status).toBe(200);
  const mine = await inviterApi.get(`/v1/organizations/${orgId}/my-project-keys`);
  const inviteKeys = instr.body.inviteePublicKey
    ? mine.body.projectKeys.map((k: { projectId: string; encKey: string }) => ({
        projectId: k.projectId,
        encSymmetricKey: wrapFor(instr.body.inviteePublicKey, unwrap(inviter, k.encKey)),
        autoLinked: instr.body.inviteeAutoLinked,
      }))
    : [];
  return inviterApi.post(`/v1/organizations/${orgId}/invites`, { inviteeId: instr.body.inviteeId, inviteeEmail: email, inviteKeys, ...extra });
}

describe('invite an existing account', () => {
  it('Jane invites Bob with his wrapped key; Bob gets the email, accepts, and unwraps the project key', async () => {
    const orgId = await teamOrg(h, jane, 'Acme');
    const project = await createProject(h, orgId, [jane]);

    const instr = await J().post(`/v1/organizations/${orgId}/invites/instructions`, { inviteeEmail: ' Bob@Acme.test ' });
    expect(instr.status).toBe(200);
    expect(instr.contentType).toBe('application/json');
    expect(instr.body).toEqual({ inviteeId: bob.id, inviteeEmail: 'bob@acme.test', inviteePublicKey: bob.publicKey, inviteeAutoLinked: false, inviteKeys: [] });

    const sent = await invite(jane, orgId, 'bob@acme.test');
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ id: expect.stringMatching(/^inv_[0-9a-f]{32}$/), inviteeEmail: 'bob@acme.test', role: 'member', emailSent: true });
    const inviteId = sent.body.id;
    const stored = await h.db.query('SELECT expires_at - created_at AS ttl, status FROM invites WHERE id = $1', [inviteId]);
    expect(stored.rows[0]).toMatchObject({ status: 'pending', ttl: { days: 7 } });

    const mail = await invitationMail(h, 'bob@acme.test', inviteId);
    expect(mail.subject).toBe('"Test User" invited you to the organization "Acme" on Somnus');
    expect(mail.text).toContain('jane@acme.test');
    const token = invitationToken(mail);
    expect(mail.text).toContain(`/app/invite/?invite=${token}`);
    expect(mail.text).toContain(`somnus org accept ${inviteId}`);
    expect(mail.text).toContain(`POST /v1/invites/${inviteId}/accept`);
    // only the keyed hash of the link's token is stored
    const row = (await h.db.query('SELECT * FROM invites WHERE id = $1', [inviteId])).rows[0];
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.link_token_hash).toBeInstanceOf(Buffer);
    expect(row.link_token_hash.toString('hex')).not.toBe(token);
    expect(row).not.toHaveProperty('accept_code_hash');

    const listed = await J().get(`/v1/organizations/${orgId}/invites`);
    expect(listed.status).toBe(200);
    expect(listed.body.invitations).toEqual([
      { id: inviteId, inviter: { name: 'Test User' }, invitee: { email: 'bob@acme.test' }, created_at: expect.any(String), expires_at: expect.any(String), roles: ['member'] },
    ]);

    const bobsInvites = await B().get('/v1/invites');
    expect(bobsInvites.status).toBe(200);
    expect(bobsInvites.body.invitations).toEqual([
      expect.objectContaining({ id: inviteId, organization: { id: orgId, name: 'Acme' }, inviter: { name: 'Test User', email: 'jane@acme.test' }, role: 'member' }),
    ]);
    // Carol sees none of it
    expect((await C().get('/v1/invites')).body.invitations).toEqual([]);

    // before accepting, Bob is not a member
    expect((await B().get(`/v1/organizations/${orgId}/my-project-keys`)).status).toBe(404);

    const accepted = await accept(h, bob, inviteId);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ organizationId: orgId, role: 'member', projectKeys: 1 });

    const keys = await B().get(`/v1/organizations/${orgId}/my-project-keys`);
    expect(keys.status).toBe(200);
    expect(keys.body.projectKeys).toHaveLength(1);
    expect(keys.body.projectKeys[0].projectId).toBe(project.id);
    expect(unwrap(bob, keys.body.projectKeys[0].encKey).k).toBe(project.key.k);
    expect(keys.body.members).toEqual([]);

    const member = await h.db.query('SELECT role FROM memberships WHERE org_id = $1 AND account_id = $2', [orgId, bob.id]);
    expect(member.rows).toEqual([{ role: 'member' }]);
    expect((await J().get(`/v1/organizations/${orgId}/invites`)).body.invitations).toEqual([]);
    const events = await h.db.query('SELECT type, actor_id, subject FROM org_audit_events WHERE org_id = $1 AND type LIKE $2 ORDER BY id', [orgId, 'invite.%']);
    expect(events.rows).toEqual([
      { type: 'invite.sent', actor_id: jane.id, subject: inviteId },
      { type: 'invite.accepted', actor_id: bob.id, subject: inviteId },
    ]);

    // reused invite: a second accept or a decline changes nothing
    const before = await counts(h);
    const again = await accept(h, bob, inviteId);
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: 'INVITE_CLOSED', message: expect.any(String) });
    expect((await B().post(`/v1/invites/${inviteId}/decline`)).status).toBe(409);
    await expectNoChange(before);

    // Bob is a member now: inviting him again is a conflict
    for (const path of ['invites/instructions', 'invites']) {
      const res = await J().post(`/v1/organizations/${orgId}/${path}`, { inviteeEmail: 'bob@acme.test' });
      expect(res.status).toBe(409);
      expect(res.body.error).toBe('ALREADY_MEMBER');
    }
    await expectNoChange(before);
  });

  it('a role set on the invitation (PATCH, as Insomnia does) is the role the member gets', async () => {
    const orgId = await teamOrg(h, jane, 'Roles');
    const sent = await invite(jane, orgId, 'carol@other.test');
    expect(sent.status).toBe(201);
    const path = `/v1/organizations/${orgId}/invites/${sent.body.id}`;

    const before = await counts(h);
    const owner = await J().patch(path, { roles: ['role_owner'] });
    expect(owner.status).toBe(403);
    const unknown = await J().patch(path, { roles: ['role_god'] });
    expect(unknown.status).toBe(400);
    expect((await J().patch(path, { roles: [] })).status).toBe(400);
    expect((await J().patch(`/v1/organizations/${orgId}/invites/inv_${'0'.repeat(32)}`, { roles: ['role_admin'] })).status).toBe(404);
    await expectNoChange(before);

    const patched = await J().patch(path, { roles: ['role_admin'] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: sent.body.id, roles: ['admin'] });
    const accepted = await accept(h, carol, sent.body.id);
    expect(accepted.body).toMatchObject({ organizationId: orgId, role: 'admin' });
  });
});

describe('decline, revoke, expiry, wrong invitee', () => {
  let orgId: string;
  let dana: User;
  beforeAll(async () => {
    orgId = await teamOrg(h, jane, 'Lifecycle');
    dana = await signUp(h, 'dana@acme.test');
  });
  const D = () => client(h.invites, dana);

  it('the wrong account cannot accept or decline someone else’s invitation, nor probe ids', async () => {
    const sent = await invite(jane, orgId, 'dana@acme.test');
    // verified accounts all, but another account cannot use the invitation
    const before = await counts(h);
    for (const who of [B(), C(), J()]) {
      for (const action of ['accept', 'decline']) {
        const res = await who.post(`/v1/invites/${sent.body.id}/${action}`);
        expect(res.status).toBe(404);
        expect(res.body.error).toBe('NOT_FOUND');
      }
    }
    for (const bad of [`inv_${'f'.repeat(32)}`, 'inv_x', 'not-an-id']) {
      expect((await D().post(`/v1/invites/${bad}/accept`)).status).toBe(404);
    }
    expect((await h.invites.post(`/v1/invites/${sent.body.id}/accept`)).status).toBe(401);
    await expectNoChange(before);

    const declined = await D().post(`/v1/invites/${sent.body.id}/decline`);
    expect(declined.status).toBe(200);
    const row = await h.db.query('SELECT status FROM invites WHERE id = $1', [sent.body.id]);
    expect(row.rows[0].status).toBe('declined');
    const ev = await h.db.query(`SELECT actor_id FROM org_audit_events WHERE org_id = $1 AND type = 'invite.declined'`, [orgId]);
    expect(ev.rows).toEqual([{ actor_id: dana.id }]);
    // declined is final
    const after = await counts(h);
    expect((await accept(h, dana, sent.body.id)).status).toBe(409);
    expect((await D().get(`/v1/organizations/${orgId}/members`)).status).toBe(404);
    await expectNoChange(after);
  });

  it('an expired invitation cannot be accepted (410), is not listed, and can be replaced', async () => {
    const sent = await invite(jane, orgId, 'dana@acme.test');
    expect(sent.status).toBe(201);
    await h.db.query(`UPDATE invites SET expires_at = now() - interval '1 minute' WHERE id = $1`, [sent.body.id]);
    const before = await counts(h);
    for (const action of ['accept', 'decline']) {
      const res = await D().post(`/v1/invites/${sent.body.id}/${action}`);
      expect(res.status).toBe(410);
      expect(res.body).toEqual({ error: 'INVITE_EXPIRED', message: expect.any(String) });
    }
    expect((await J().patch(`/v1/organizations/${orgId}/invites/${sent.body.id}`, { roles: ['role_admin'] })).status).toBe(410);
    expect((await D().get('/v1/invites')).body.invitations).toEqual([]);
    expect((await J().get(`/v1/organizations/${orgId}/invites`)).body.invitations).toEqual([]);
    await expectNoChange(before);

    const fresh = await invite(jane, orgId, 'dana@acme.test');
    expect(fresh.status).toBe(201);
    const old = await h.db.query('SELECT status FROM invites WHERE id = $1', [sent.body.id]);
    expect(old.rows[0].status).toBe('expired');
    // re-inviting while one is pending is a conflict
    const dup = await invite(jane, orgId, 'dana@acme.test');
    expect(dup.status).toBe(409);
    expect(dup.body.error).toBe('INVITE_EXISTS');

    // revoke: the invitee can no longer accept
    const revoked = await J().delete(`/v1/organizations/${orgId}/invites/${fresh.body.id}`);
    expect(revoked.status).toBe(200);
    const ev = await h.db.query(`SELECT subject FROM org_audit_events WHERE org_id = $1 AND type = 'invite.revoked'`, [orgId]);
    expect(ev.rows).toEqual([{ subject: fresh.body.id }]);
    const after = await counts(h);
    expect((await J().delete(`/v1/organizations/${orgId}/invites/${fresh.body.id}`)).status).toBe(409);
    expect((await accept(h, dana, fresh.body.id)).status).toBe(409);
    await expectNoChange(after);
  });
});

describe('who may invite, and what', () => {
  let orgId: string;
  let projectId: string;
  let otherOrgProject: string;
  beforeAll(async () => {
    orgId = await teamOrg(h, jane, 'Rules');
    projectId = (await createProject(h, orgId, [jane])).id;
    const carolsOrg = await teamOrg(h, carol, 'Carol Co');
    otherOrgProject = (await createProject(h, carolsOrg, [carol])).id;
    // Bob joins as a plain member
    const sent = await invite(jane, orgId, 'bob@acme.test');
    expect((await accept(h, bob, sent.body.id)).status).toBe(200);
  });

  it('an unverified account sends no invitation and asks for no instructions (403 EMAIL_NOT_VERIFIED): nothing looked up, counted or mailed', async () => {
    // the review: an unverified account mailed 30 of 30 invitations, and each throwaway account had its own lookup cap
    const uma = await signUp(h, 'uma@unverified.test', 'pass phrase', { verified: false });
    const umasOrg = await teamOrg(h, uma, 'Unverified Co');
    const U = client(h.invites, uma);
    const before = await counts(h);
    const lookups = async () => Number((await h.db.query(`SELECT count(*) AS n FROM account_audit_events WHERE type = 'invite.lookup' AND account_id = $1`, [uma.id])).rows[0].n);
    for (const res of [
      await U.post(`/v1/organizations/${umasOrg}/invites/instructions`, { inviteeEmail: bob.email }),
      await U.post(`/v1/organizations/${umasOrg}/invites`, { inviteeEmail: 'someone@elsewhere.test' }),
      await U.post(`/v1/organizations/${umasOrg}/invites`, { inviteeId: bob.id, inviteeEmail: bob.email }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'EMAIL_NOT_VERIFIED', message: expect.any(String) });
      expect(res.text).not.toContain(bob.publicKey);
    }
    await expectNoChange(before);
    expect(await lookups()).toBe(0);
    expect(h.smtp.messagesTo('someone@elsewhere.test')).toEqual([]);
    // once her mailbox is proven, she may
    await verifyEmail(h.auth, h.smtp, uma.email);
    expect((await U.post(`/v1/organizations/${umasOrg}/invites`, { inviteeEmail: 'someone@elsewhere.test' })).status).toBe(201);
  });

  it('members cannot invite or manage invitations (403); non-members get 404; personal orgs cannot invite', async () => {
    const pending = await invite(jane, orgId, 'pending@acme.test');
    const before = await counts(h);
    const body = { inviteeEmail: 'x@acme.test' };
    for (const [path, method] of [
      ['invites/instructions', 'post'],
      ['invites', 'post'],
      ['invites', 'get'],
      [`invites/${pending.body.id}`, 'delete'],
    ] as const) {
      const url = `/v1/organizations/${orgId}/${path}`;
      const asBob = method === 'post' ? await B().post(url, body) : method === 'get' ? await B().get(url) : await B().delete(url);
      expect(asBob.status).toBe(403);
      expect(asBob.body.error).toBe('FORBIDDEN');
      const asCarol = method === 'post' ? await C().post(url, body) : method === 'get' ? await C().get(url) : await C().delete(url);
      expect(asCarol.status).toBe(404);
    }
    expect((await B().patch(`/v1/organizations/${orgId}/invites/${pending.body.id}`, { roles: ['role_admin'] })).status).toBe(403);
    expect((await h.invites.post(`/v1/organizations/${orgId}/invites`, body)).status).toBe(401);

    const orgs = await h.invites.get('/v1/organizations', as(jane));
    const personal = orgs.body.organizations.find((o: any) => o.metadata.organizationType === 'personal').id;
    for (const path of ['invites/instructions', 'invites']) {
      const res = await J().post(`/v1/organizations/${personal}/${path}`, body);
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('FORBIDDEN');
    }
    await expectNoChange(before);
  });

  it('every invalid body or foreign id is a 4xx that changes nothing', async () => {
    const bobKey = { projectId, encSymmetricKey: 'a'.repeat(512), autoLinked: false };
    const cases: [unknown, number, string][] = [
      [{}, 400, 'VALIDATION_ERROR'],
      [{ inviteeEmail: 'not an email' }, 400, 'VALIDATION_ERROR'],
      [{ inviteeEmail: 'new@acme.test', inviteKeys: [{ ...bobKey, encSymmetricKey: 'A'.repeat(512) }] }, 400, 'VALIDATION_ERROR'],
      [{ inviteeEmail: 'new@acme.test', inviteKeys: [{ ...bobKey, encSymmetricKey: 'a'.repeat(510) }] }, 400, 'VALIDATION_ERROR'],
      [{ inviteeEmail: 'new@acme.test', inviteKeys: [{ ...bobKey, projectId: 'prj_xyz' }] }, 400, 'VALIDATION_ERROR'],
      [{ inviteeEmail: 'new@acme.test', inviteKeys: 'nope' }, 400, 'VALIDATION_ERROR'],
      [{ inviteeEmail: 'new@acme.test', role: 'owner' }, 403, 'FORBIDDEN'],
      [{ inviteeEmail: 'new@acme.test', role: 'emperor' }, 400, 'VALIDATION_ERROR'],
      // keys for an email with no account: nobody's public key was used
      [{ inviteeEmail: 'new@acme.test', inviteKeys: [bobKey] }, 400, 'VALIDATION_ERROR'],
      // inviteeId of another account
      [{ inviteeId: carol.id, inviteeEmail: 'dana@acme.test' }, 400, 'VALIDATION_ERROR'],
      [{ inviteeId: 'acct_nope', inviteeEmail: 'dana@acme.test' }, 400, 'VALIDATION_ERROR'],
      // a project of another org, twice the same project, a project Jane holds no key for
      [{ inviteeId: carol.id, inviteeEmail: carol.email, inviteKeys: [{ ...bobKey, projectId: otherOrgProject }] }, 400, 'VALIDATION_ERROR'],
      [{ inviteeId: carol.id, inviteeEmail: carol.email, inviteKeys: [bobKey, bobKey] }, 400, 'VALIDATION_ERROR'],
      [{ inviteeId: carol.id, inviteeEmail: carol.email, inviteKeys: [{ ...bobKey, projectId: `prj_${'0'.repeat(32)}` }] }, 400, 'VALIDATION_ERROR'],
    ];
    const before = await counts(h);
    for (const [body, status, error] of cases) {
      const res = await J().post(`/v1/organizations/${orgId}/invites`, body);
      expect({ body, status: res.status, error: res.body.error }).toEqual({ body, status, error });
    }
    expect((await J().post(`/v1/organizations/${orgId}/invites/instructions`, { inviteeEmail: 42 })).status).toBe(400);
    expect((await J().post(`/v1/organizations/org_${'0'.repeat(32)}/invites`, { inviteeEmail: 'z@acme.test' })).status).toBe(404);
    expect(h.smtp.messagesTo('new@acme.test')).toEqual([]);
    await expectNoChange(before);
  });

  it('enforces the allowed email domains', async () => {
    const policy = await h.invites.call('PUT', `/v1/organizations/${orgId}/invite-policy`, { allowedDomains: ['acme.test'] }, as(jane));
    expect(policy.status).toBe(200);
    const before = await counts(h);
    for (const path of ['invites/instructions', 'invites']) {
      const res = await J().post(`/v1/organizations/${orgId}/${path}`, { inviteeEmail: 'someone@elsewhere.test' });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'FORBIDDEN', message: expect.stringContaining('acme.test') });
    }
    // a subdomain is another domain
    expect((await J().post(`/v1/organizations/${orgId}/invites`, { inviteeEmail: 'x@evil.acme.test' })).status).toBe(403);
    await expectNoChange(before);
    expect((await J().post(`/v1/organizations/${orgId}/invites`, { inviteeEmail: 'ok@acme.test' })).status).toBe(201);
    await h.invites.call('PUT', `/v1/organizations/${orgId}/invite-policy`, { allowedDomains: [] }, as(jane));
  });

  it('enforces the seat limit: members plus pending invitations', async () => {
    const seatsOrg = await teamOrg(h, jane, 'Seats');
    await h.db.query('UPDATE organizations SET seat_limit = 2 WHERE id = $1', [seatsOrg]);
    expect((await invite(jane, seatsOrg, 'one@acme.test')).status).toBe(201);
    const before = await counts(h);
    for (const path of ['invites/instructions', 'invites']) {
      const res = await J().post(`/v1/organizations/${seatsOrg}/${path}`, { inviteeEmail: 'two@acme.test' });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'NEEDS_TO_INCREASE_SEATS', message: expect.any(String) });
    }
    await expectNoChange(before);
    // the invited email already holds a seat: instructions for it still work
    expect((await J().post(`/v1/organizations/${seatsOrg}/invites/instructions`, { inviteeEmail: 'one@acme.test' })).status).toBe(200);
    await h.db.query('UPDATE organizations SET seat_limit = 3 WHERE id = $1', [seatsOrg]);
    expect((await J().post(`/v1/organizations/${seatsOrg}/invites`, { inviteeEmail: 'two@acme.test' })).status).toBe(201);
  });
});


describe('only a verified address sees, accepts or declines its invitations (issue 9 §4)', () => {
  let orgId: string;
  beforeAll(async () => {
    orgId = await teamOrg(h, jane, 'Guarded');
    await createProject(h, orgId, [jane]);
  });

  /** What the victim org sees of an account: its memberships and the project keys it holds. */
  async function accessOf(accountId: string) {
    const memberships = await h.db.query('SELECT org_id, role FROM memberships WHERE account_id = $1 ORDER BY org_id', [accountId]);
    const keys = await h.db.query('SELECT org_id, project_id FROM project_keys WHERE account_id = $1 ORDER BY project_id', [accountId]);
    return { memberships: memberships.rows, keys: keys.rows };
  }

  it('Mallory cannot take the invited address by renaming her account (change-password refuses a new email)', async () => {
    const mallory = await signUp(h, 'mallory@evil.test');
    const sent = await invite(jane, orgId, 'victim@acme.test');
    expect(sent.status).toBe(201);

    // her own, genuine passphrase-change code: it proves she reads mallory@evil.test, nothing more
    expect((await h.auth.post('/auth/send-password-code', {}, as(mallory))).status).toBe(200);
    const codeMail = await h.smtp.waitForMessage((m) => m.to.includes('mallory@evil.test') && /passphrase/i.test(m.subject));
    const NEW = 'mallory’s new passphrase';
    const { saltKey, saltAuth, saltEnc, encSymmetricKey } = mallory.account.material;
    const rename = {
      code: extractCode(codeMail),
      newEmail: 'victim@acme.test',
      encSymmetricKey,
      newVerifier: computeVerifier('insomnia', 'victim@acme.test', saltAuth, Buffer.from(await deriveKey(NEW, 'victim@acme.test', saltKey), 'hex')),
      newEncSymmetricKey: await rewrapAccountKey(mallory.keys.symmetricKey, NEW, 'victim@acme.test', saltEnc),
    };
    const accountBefore = (await h.db.query('SELECT email, verifier, enc_symmetric_key FROM accounts WHERE id = $1', [mallory.id])).rows;
    const before = await counts(h);
    const res = await h.auth.post('/auth/change-password', rename, as(mallory));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'VALIDATION_ERROR', message: 'changing the email address is not supported' });
    expect((await h.db.query('SELECT email, verifier, enc_symmetric_key FROM accounts WHERE id = $1', [mallory.id])).rows).toEqual(accountBefore);
    expect((await h.db.query('SELECT id FROM accounts WHERE email = $1', ['victim@acme.test'])).rows).toEqual([]);

    // so the invitation stays out of her reach, and even the victim's link does not open it for her
    const M = client(h.invites, mallory);
    expect((await M.get('/v1/invites')).body.invitations).toEqual([]);
    expect((await M.post(`/v1/invites/${sent.body.id}/accept`)).status).toBe(404);
    const token = invitationToken(await invitationMail(h, 'victim@acme.test', sent.body.id));
    expect((await h.auth.post('/auth/verify', { inviteToken: token }, as(mallory))).body).toMatchObject({ isVerified: true });
    expect((await M.post(`/v1/invites/${sent.body.id}/accept`)).status).toBe(404);
    await expectNoChange(before);
    expect(await accessOf(mallory.id)).toEqual({ memberships: [{ org_id: expect.stringMatching(/^org_/), role: 'owner' }], keys: [] });
  });

  it('an account signed up with the invited address, unverified, gets neither the invitation email nor its key, and can neither see, accept nor decline it until the address is verified', async () => {
    // Mallory signs up as dave@acme.test and never gets his mail.
    const fakeDave = await signUp(h, 'dave@acme.test', 'pass phrase', { verified: false });
    // to the inviter this address has no account: no public key to wrap a project key for (outside review)
    const instr = await J().post(`/v1/organizations/${orgId}/invites/instructions`, { inviteeEmail: 'dave@acme.test' });
    expect(instr.body).toEqual({ inviteeId: '', inviteeEmail: 'dave@acme.test', inviteePublicKey: '', inviteeAutoLinked: false, inviteKeys: [] });
    expect(instr.text).not.toContain(fakeDave.id);
    // a key wrapped for that account's public key all the same is refused, as for an address without an account
    const mine = (await J().get(`/v1/organizations/${orgId}/my-project-keys`)).body.projectKeys[0];
    const keyed = await J().post(`/v1/organizations/${orgId}/invites`, {
      inviteeId: fakeDave.id,
      inviteeEmail: 'dave@acme.test',
      inviteKeys: [{ projectId: mine.projectId, encSymmetricKey: wrapFor(fakeDave.publicKey, unwrap(jane, mine.encKey)) }],
    });
    expect(keyed.status).toBe(400);
    const sent = await invite(jane, orgId, 'dave@acme.test');
    expect(sent.status).toBe(201);
    // the invitation exists, but the address gets only its own mail (docs/architecture.md §11.1)
    expect(sent.body.emailSent).toBe(false);
    expect(h.smtp.messagesTo('dave@acme.test').filter((m) => /invited you/i.test(m.subject))).toEqual([]);
    expect((await h.db.query('SELECT count(*)::int AS n FROM invite_keys WHERE invite_id = $1', [sent.body.id])).rows[0].n).toBe(0);
    const FD = client(h.invites, fakeDave);
    const access = await accessOf(fakeDave.id);
    const before = await counts(h);
    // the review saw org name, inviter and role, and declined without a code: now nothing of it
    for (const res of [await FD.get('/v1/invites'), await FD.post(`/v1/invites/${sent.body.id}/accept`), await FD.post(`/v1/invites/${sent.body.id}/decline`)]) {
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'EMAIL_NOT_VERIFIED', message: expect.any(String) });
      expect(res.text).not.toMatch(/Guarded|jane@acme\.test/);
    }
    // the same for an id that does not exist: nothing to learn from the answer
    expect((await FD.post(`/v1/invites/inv_${'0'.repeat(32)}/accept`)).body.error).toBe('EMAIL_NOT_VERIFIED');
    await expectNoChange(before);
    expect(await accessOf(fakeDave.id)).toEqual(access);
    expect((await FD.get(`/v1/organizations/${orgId}/my-project-keys`)).status).toBe(404);

    // a live invitation's token sent to someone else verifies nothing
    const other = invitationToken(await invitationMail(h, 'victim@acme.test', (await h.db.query(`SELECT id FROM invites WHERE invitee_email = 'victim@acme.test'`)).rows[0].id));
    expect((await h.auth.post('/auth/verify', { inviteToken: other }, as(fakeDave))).body.error).toBe('INVALID_CODE');
    expect((await FD.get('/v1/invites')).status).toBe(403);

    // whoever reads dave@acme.test's mail holds the verification link that went there: once it is used,
    // the account finds the invitation and accepts it; its keys follow through reconcile-keys
    await verifyEmail(h.auth, h.smtp, 'dave@acme.test');
    expect((await FD.get('/v1/invites')).body.invitations.map((i: { id: string }) => i.id)).toEqual([sent.body.id]);
    const accepted = await FD.post(`/v1/invites/${sent.body.id}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ organizationId: orgId, role: 'member', projectKeys: 0 });
    expect((await J().get(`/v1/organizations/${orgId}/my-project-keys`)).body.members).toEqual([expect.objectContaining({ accountId: fakeDave.id })]);
  });

  it('signing up with the invitation’s token verifies the address; a token of another address, or a closed invitation, does not', async () => {
    const sent = await invite(jane, orgId, 'gus@acme.test');
    const token = invitationToken(await invitationMail(h, 'gus@acme.test', sent.body.id));
    // someone else's address with Gus's token: an ordinary, unverified signup
    const stranger = await newAccount('hal@acme.test');
    const strangerSignup = await h.auth.post('/auth/signup', { ...stranger.signupBody, inviteToken: token });
    expect(strangerSignup.body).toMatchObject({ isVerified: false });
    expect(await mailsSettled(() => h.smtp.messagesTo('hal@acme.test').filter((m) => VERIFICATION_SUBJECT.test(m.subject)), 1)).toHaveLength(1);

    const gus = await newAccount('gus@acme.test');
    const signup = await h.auth.post('/auth/signup', { ...gus.signupBody, inviteToken: token });
    expect(signup.status).toBe(200);
    expect(signup.body).toMatchObject({ email: 'gus@acme.test', isVerified: true });
    // no second email: the invitation was the proof
    expect(h.smtp.messagesTo('gus@acme.test').filter((m) => VERIFICATION_SUBJECT.test(m.subject))).toEqual([]);
    const events = await h.db.query(`SELECT details FROM account_audit_events WHERE account_id = $1 AND type = 'account.email_verified'`, [signup.body.accountId]);
    expect(events.rows).toEqual([{ details: { by: 'invitation' } }]);

    // a revoked invitation's token proves nothing any more (Ivy signs up after it was mailed to her address)
    const toIvy = await invite(jane, orgId, 'ivy@acme.test');
    const ivyToken = invitationToken(await invitationMail(h, 'ivy@acme.test', toIvy.body.id));
    const ivy = await signUp(h, 'ivy@acme.test', 'pass phrase', { verified: false });
    // opening the link verifies nothing by itself (a mail scanner would open it for the real Ivy)
    expect((await h.auth.get(`/auth/verify?invite=${ivyToken}`)).body).toMatchObject({ isVerified: false });
    expect((await J().delete(`/v1/organizations/${orgId}/invites/${toIvy.body.id}`)).status).toBe(200);
    expect((await h.auth.post('/auth/verify', { inviteToken: ivyToken }, as(ivy))).body.error).toBe('INVALID_CODE');
    expect((await h.auth.get('/auth/whoami', as(ivy))).body.isVerified).toBe(false);
  });

  it('RLS keeps an unverified email out of the tenant context: the invitation is invisible to it in SQL too', async () => {
    const kim = await signUp(h, 'kim@acme.test', 'pass phrase', { verified: false });
    const sent = await invite(jane, orgId, 'kim@acme.test');
    // what the session's context holds is what the access check put there (docs/architecture.md §4.3)
    const pool = new Pool({ connectionString: h.db.appUrl, max: 1 });
    try {
      const session = (await useLiveSession(pool, hashSessionToken(kim.token)))!;
      const context = tenantOf({ meta: { requestId: 'r', ip: null, client: null }, accountId: kim.id, email: session.account_email, emailVerified: session.account_email_verified, session });
      expect(context.email).toBe('');
      const seen = await withTenant(pool, context, async (c) => (await c.query('SELECT id FROM invites WHERE id = $1', [sent.body.id])).rows);
      expect(seen).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});

describe('email as a weapon (issue 9 §5): limits per recipient and per sender, names as quoted user content', () => {
  /** Invites `target` from `org` and revokes it, `times` times; each is one more email. */
  async function inviteAndRevoke(who: ReturnType<typeof client>, org: string, target: string, times: number) {
    for (let i = 0; i < times; i++) {
      const sent = await who.post(`/v1/organizations/${org}/invites`, { inviteeEmail: target });
      expect(sent.status).toBe(201);
      expect((await who.delete(`/v1/organizations/${org}/invites/${sent.body.id}`)).status).toBe(200);
    }
  }

  it('revoking and re-inviting one address: 5 invitation emails a day per organization, then 429 and no more mail from it', async () => {
    const target = 'target@flood.test';
    const orgA = await teamOrg(h, jane, 'Flood A');
    const mails = () => h.smtp.messagesTo(target).length;
    await inviteAndRevoke(J(), orgA, target, 5);
    expect((await mailsSettled(() => h.smtp.messagesTo(target), 5)).length).toBe(5);
    const before = await counts(h);
    const refused = await J().post(`/v1/organizations/${orgA}/invites`, { inviteeEmail: target });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'RATE_LIMITED', message: expect.stringMatching(/from this organization/) });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectNoChange(before);
    expect(mails()).toBe(5);
  });

  it('a throwaway organization that invites and revokes an address 5 times does not block the real team’s invitation (outside review)', async () => {
    const tom = await signUp(h, 'tom@acme.test');
    const mallory = await signUp(h, 'mallory@throwaway.test');
    const throwaway = await teamOrg(h, mallory, 'Throwaway');
    await inviteAndRevoke(client(h.invites, mallory), throwaway, tom.email, 5);
    expect((await client(h.invites, mallory).post(`/v1/organizations/${throwaway}/invites`, { inviteeEmail: tom.email })).status).toBe(429);
    // the real team's invitation goes out, and Tom joins
    const team = await teamOrg(h, jane, 'Real team');
    const sent = await invite(jane, team, tom.email);
    expect(sent.status).toBe(201);
    expect(sent.body.emailSent).toBe(true);
    await invitationMail(h, tom.email, sent.body.id);
    expect((await accept(h, tom, sent.body.id)).status).toBe(200);
  });

  it('one address receives at most 20 invitation emails a day from all organizations together, then 429', async () => {
    const target = 'ceiling@flood.test';
    const mails = async () => (await mailsSettled(() => h.smtp.messagesTo(target), 20)).length;
    for (const [owner, who] of [[jane, J()], [carol, C()], [jane, J()], [carol, C()]] as const) {
      await inviteAndRevoke(who, await teamOrg(h, owner, 'Ceiling'), target, 5);
    }
    expect(await mails()).toBe(20);
    const fifth = await teamOrg(h, jane, 'Ceiling 5');
    const before = await counts(h);
    const refused = await J().post(`/v1/organizations/${fifth}/invites`, { inviteeEmail: target });
    expect(refused.status).toBe(429);
    expect(refused.body.message).toMatch(/^This address has received too many invitations recently/);
    await expectNoChange(before);
    expect(await mails()).toBe(20);
  });

  it('one inviter: 30 invitation emails an hour, then 429', async () => {
    const org = await teamOrg(h, carol, 'Spray');
    for (let i = 0; i < 30; i++) expect((await C().post(`/v1/organizations/${org}/invites`, { inviteeEmail: `spray${i}@flood.test` })).status).toBe(201);
    const refused = await C().post(`/v1/organizations/${org}/invites`, { inviteeEmail: 'spray30@flood.test' });
    expect(refused.status).toBe(429);
    expect(refused.body.message).toMatch(/You have sent too many/);
    expect(h.smtp.messagesTo('spray30@flood.test')).toEqual([]);
  });

  it('an org name with line breaks cannot put a line of its own into the email; names are quoted', async () => {
    const name = 'Acme\n\nSECURITY NOTICE: your account is locked, log in at http://evil.test\u202E';
    const created = await h.invites.post('/v1/organizations', { name }, as(jane));
    expect(created.status).toBe(201);
    const sent = await J().post(`/v1/organizations/${created.body.id}/invites`, { inviteeEmail: 'reader@flood.test' });
    expect(sent.status).toBe(201);
    const mail = await invitationMail(h, 'reader@flood.test', sent.body.id);
    const lines = mail.text.split('\n');
    expect(lines.some((l) => l.trimStart().startsWith('SECURITY NOTICE'))).toBe(false);
    expect(lines).toContain('    Organization (named by its owner): "Acme SECURITY NOTICE: your account is locked, log in at http://evil.test"');
    expect(mail.text).not.toContain('\u202E');
    expect(mail.subject).toBe('"Test User" invited you to the organization "Acme SECURITY NOTICE: your account is locked, log in at http" on Somnus');
  });
});
