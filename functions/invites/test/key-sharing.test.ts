import crypto from 'node:crypto';
import { generateAesJwk } from '@somnus/crypto';
import { CURRENT_QUERIES } from '../../../test/e2e/fixtures/insomnia-vcs-queries';
import { startFunctions } from '../../../test/support/function-server';
import { accept, as, client, counts, createProject, signUp, teamOrg, unwrap, wrapFor, type Harness, type User } from './key-sharing-support';

let h: Harness;
let jane: User;
let bob: User;
let carol: User;

beforeAll(async () => {
  h = await startFunctions('auth', 'keys', 'invites', 'sync');
  [jane, bob, carol] = await Promise.all([signUp(h, 'jane@acme.test'), signUp(h, 'bob@acme.test'), signUp(h, 'carol@other.test')]);
});
afterAll(async () => h?.stop());

const J = () => client(h.invites, jane);
const C = () => client(h.invites, carol);

async function expectNoChange(before: Record<string, number>) {
  expect(await counts(h)).toEqual(before);
}

/**
 * `by` (Jane unless said) invites `invitee` and they accept. The invitation carries every key `by` holds,
 * wrapped for the invitee, unless `withKeys` is false: then the invitee joins holding none.
 */
async function join(orgId: string, invitee: User, { by = jane, role, withKeys = true }: { by?: User; role?: 'admin' | 'member'; withKeys?: boolean } = {}) {
  const inviter = client(h.invites, by);
  const instr = await inviter.post(`/v1/organizations/${orgId}/invites/instructions`, { inviteeEmail: invitee.email });
  const mine = await inviter.get(`/v1/organizations/${orgId}/my-project-keys`);
  const inviteKeys = withKeys
    ? mine.body.projectKeys.map((k: any) => ({
        projectId: k.projectId,
        encSymmetricKey: wrapFor(instr.body.inviteePublicKey, unwrap(by, k.encKey)),
        autoLinked: false,
      }))
    : [];
  const sent = await inviter.post(`/v1/organizations/${orgId}/invites`, { inviteeId: instr.body.inviteeId, inviteeEmail: invitee.email, inviteKeys, ...(role ? { role } : {}) });
  expect(sent.status).toBe(201);
  const accepted = await accept(h, invitee, sent.body.id);
  expect(accepted.status).toBe(200);
}

describe('key sharing', () => {
  it('Dave, invited before he had an account, signs up, accepts, Jane reconciles, Dave unwraps', async () => {
    const orgId = await teamOrg(h, jane, 'Late joiners');
    const project = await createProject(h, orgId, [jane]);

    const instr = await J().post(`/v1/organizations/${orgId}/invites/instructions`, { inviteeEmail: 'dave@acme.test' });
    expect(instr.status).toBe(200);
    expect(instr.body).toEqual({ inviteeId: '', inviteeEmail: 'dave@acme.test', inviteePublicKey: '', inviteeAutoLinked: false, inviteKeys: [] });
    const sent = await J().post(`/v1/organizations/${orgId}/invites`, { inviteeId: '', inviteeEmail: 'dave@acme.test', inviteKeys: [] });
    expect(sent.status).toBe(201);
    await h.smtp.waitForMessage((m) => m.to.includes('dave@acme.test') && m.text.includes(sent.body.id));

    const dave = await signUp(h, 'dave@acme.test');
    const D = client(h.invites, dave);
    const mine = await D.get('/v1/invites');
    expect(mine.body.invitations.map((i: any) => i.id)).toEqual([sent.body.id]);
    const accepted = await accept(h, dave, sent.body.id);
    expect(accepted.body).toEqual({ organizationId: orgId, role: 'member', projectKeys: 0 });

    // Dave has no key yet; Jane's my-project-keys lists him with his public key
    expect((await D.get(`/v1/organizations/${orgId}/my-project-keys`)).body).toEqual({ projectKeys: [], members: [] });
    const janes = await J().get(`/v1/organizations/${orgId}/my-project-keys`);
    expect(janes.body.members).toEqual([{ accountId: dave.id, projectId: project.id, publicKey: dave.publicKey }]);

    // Jane's client unwraps her copy and wraps it for Dave
    const keys = janes.body.members.map((m: any) => {
      const encKey = janes.body.projectKeys.find((k: any) => k.projectId === m.projectId).encKey;
      return { projectId: m.projectId, accountId: m.accountId, encSymmetricKey: wrapFor(m.publicKey, unwrap(jane, encKey)) };
    });
    const rec = await J().post(`/v1/organizations/${orgId}/reconcile-keys`, { keys });
    expect(rec.status).toBe(200);
    expect(rec.body).toEqual({ count: 1 });

    const daves = await D.get(`/v1/organizations/${orgId}/my-project-keys`);
    expect(unwrap(dave, daves.body.projectKeys[0].encKey).k).toBe(project.key.k);
    expect((await J().get(`/v1/organizations/${orgId}/my-project-keys`)).body.members).toEqual([]);
    const ev = await h.db.query(`SELECT actor_id, details FROM org_audit_events WHERE org_id = $1 AND type = 'keys.shared'`, [orgId]);
    expect(ev.rows).toEqual([{ actor_id: jane.id, details: expect.objectContaining({ count: 1, accounts: [dave.id] }) }]);

    // a retry of the same request stores nothing new and succeeds
    const before = await counts(h);
    const retry = await J().post(`/v1/organizations/${orgId}/reconcile-keys`, { keys });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ count: 0 });
    await expectNoChange(before);
  });

  it('reconcile-keys validates every key and stores all or nothing', async () => {
    // Bob's team: the project he made before anyone joined stays his alone, so Jane, who joins as an
    // admin through an invitation without keys, holds no key for it and cannot share it
    const orgId = await teamOrg(h, bob, 'Reconcile');
    const bobsOnly = await createProject(h, orgId, [bob], 'bob only');
    await join(orgId, jane, { by: bob, role: 'admin', withKeys: false });
    const p1 = await createProject(h, orgId, [jane, bob], 'one');
    const p2 = await createProject(h, orgId, [jane, bob], 'two');
    const erin = await signUp(h, 'erin@acme.test');
    await join(orgId, erin); // as a plain member
    const carolsOrg = await teamOrg(h, carol, 'Carol Inc');
    const foreign = await createProject(h, carolsOrg, [carol], 'foreign');

    // Erin was invited after p1/p2 existed, so she holds both; simulate a lost key for p2
    await h.db.query('DELETE FROM project_keys WHERE project_id = $1 AND account_id = $2', [p2.id, erin.id]);
    const good = { projectId: p2.id, accountId: erin.id, encSymmetricKey: wrapFor(erin.publicKey, p2.key) };
    const k = (projectId: string, accountId: string, publicKey: string) => ({ projectId, accountId, encSymmetricKey: wrapFor(publicKey, generateAesJwk()) });
    const cases: [unknown, number, string][] = [
      [{}, 400, 'VALIDATION_ERROR'],
      [{ keys: 'x' }, 400, 'VALIDATION_ERROR'],
      [{ keys: [{ ...good, encSymmetricKey: good.encSymmetricKey.toUpperCase() }] }, 400, 'VALIDATION_ERROR'],
      [{ keys: [{ ...good, encSymmetricKey: good.encSymmetricKey.slice(2) }] }, 400, 'VALIDATION_ERROR'],
      [{ keys: [{ ...good, projectId: 'prj_1' }] }, 400, 'VALIDATION_ERROR'],
      [{ keys: [{ ...good, accountId: 'acct_1' }] }, 400, 'VALIDATION_ERROR'],
      // one valid key next to an invalid one: nothing is stored
      [{ keys: [good, k(foreign.id, erin.id, erin.publicKey)] }, 400, 'VALIDATION_ERROR'], // project of another org
      [{ keys: [good, k(p1.id, carol.id, carol.publicKey)] }, 400, 'VALIDATION_ERROR'], // not a member
      [{ keys: [good, k(`prj_${'9'.repeat(32)}`, erin.id, erin.publicKey)] }, 400, 'VALIDATION_ERROR'], // no such project
      [{ keys: [good, k(bobsOnly.id, erin.id, erin.publicKey)] }, 400, 'VALIDATION_ERROR'], // Jane holds no key for it
      [{ keys: [good, good] }, 400, 'VALIDATION_ERROR'],
      [{ keys: [good, k(p1.id, bob.id, bob.publicKey)] }, 409, 'KEY_EXISTS'], // Bob has a different key for p1
    ];
    const before = await counts(h);
    for (const [body, status, error] of cases) {
      const res = await J().post(`/v1/organizations/${orgId}/reconcile-keys`, body);
      expect({ status: res.status, error: res.body.error }).toEqual({ status, error });
    }
    // a plain member may not reconcile; a non-member gets 404
    expect((await client(h.invites, erin).post(`/v1/organizations/${orgId}/reconcile-keys`, { keys: [good] })).status).toBe(403);
    expect((await C().post(`/v1/organizations/${orgId}/reconcile-keys`, { keys: [good] })).status).toBe(404);
    expect((await h.invites.post(`/v1/organizations/${orgId}/reconcile-keys`, { keys: [good] })).status).toBe(401);
    await expectNoChange(before);

    const ok = await J().post(`/v1/organizations/${orgId}/reconcile-keys`, { keys: [good] });
    expect(ok.body).toEqual({ count: 1 });
    const erins = await client(h.invites, erin).get(`/v1/organizations/${orgId}/my-project-keys`);
    const erinsP2 = erins.body.projectKeys.find((x: any) => x.projectId === p2.id);
    expect(unwrap(erin, erinsP2.encKey).k).toBe(p2.key.k);
  });

  it('a member flagged as lacking keys (account reset) is listed and the flag clears once every key is back', async () => {
    const orgId = await teamOrg(h, jane, 'Reset');
    const p1 = await createProject(h, orgId, [jane], 'one');
    const p2 = await createProject(h, orgId, [jane], 'two');
    const fred = await signUp(h, 'fred@acme.test');
    await join(orgId, fred);
    // what an account reset leaves behind: no keys, lacks_keys set
    await h.db.query('DELETE FROM project_keys WHERE org_id = $1 AND account_id = $2', [orgId, fred.id]);
    await h.db.query('UPDATE memberships SET lacks_keys = true WHERE org_id = $1 AND account_id = $2', [orgId, fred.id]);

    const listed = await J().get(`/v1/organizations/${orgId}/my-project-keys`);
    expect(listed.body.members).toEqual(
      [p1.id, p2.id].sort().map((projectId) => ({ accountId: fred.id, projectId, publicKey: fred.publicKey })),
    );
    const lacks = async () => (await h.db.query('SELECT lacks_keys FROM memberships WHERE org_id = $1 AND account_id = $2', [orgId, fred.id])).rows[0].lacks_keys;

    await J().post(`/v1/organizations/${orgId}/reconcile-keys`, { keys: [{ projectId: p1.id, accountId: fred.id, encSymmetricKey: wrapFor(fred.publicKey, p1.key) }] });
    expect(await lacks()).toBe(true); // still missing p2
    await J().post(`/v1/organizations/${orgId}/reconcile-keys`, { keys: [{ projectId: p2.id, accountId: fred.id, encSymmetricKey: wrapFor(fred.publicKey, p2.key) }] });
    expect(await lacks()).toBe(false);
  });

  it('removing a member deletes their wrapped keys at once', async () => {
    const orgId = await teamOrg(h, jane, 'Removal');
    const project = await createProject(h, orgId, [jane]);
    const gus = await signUp(h, 'gus@acme.test');
    await join(orgId, gus);
    const G = client(h.invites, gus);
    expect((await G.get(`/v1/organizations/${orgId}/my-project-keys`)).body.projectKeys).toHaveLength(1);
    const held = await h.db.query('SELECT count(*)::int AS n FROM project_keys WHERE org_id = $1 AND account_id = $2', [orgId, gus.id]);
    expect(held.rows[0].n).toBe(1);

    expect((await J().delete(`/v1/organizations/${orgId}/members/${gus.id}`)).status).toBe(200);
    const gone = await h.db.query('SELECT count(*)::int AS n FROM project_keys WHERE account_id = $1 AND org_id = $2', [gus.id, orgId]);
    expect(gone.rows[0].n).toBe(0);
    const res = await G.get(`/v1/organizations/${orgId}/my-project-keys`);
    expect(res.status).toBe(404);
    // nor can he list the org's projects: for him it is no team at all
    const listed = await h.sync.post('/graphql?projects', { query: CURRENT_QUERIES.projects.query, variables: { teamId: orgId } }, as(gus));
    expect(listed.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // Jane's key is untouched
    const janes = await J().get(`/v1/organizations/${orgId}/my-project-keys`);
    expect(unwrap(jane, janes.body.projectKeys[0].encKey).k).toBe(project.key.k);
  });

  it('my-project-keys shows only the caller’s own copies', async () => {
    const orgId = await teamOrg(h, jane, 'Privacy');
    await createProject(h, orgId, [jane]);
    const hal = await signUp(h, `hal-${crypto.randomBytes(3).toString('hex')}@acme.test`);
    await join(orgId, hal);
    const jk = (await J().get(`/v1/organizations/${orgId}/my-project-keys`)).body.projectKeys;
    const hk = (await client(h.invites, hal).get(`/v1/organizations/${orgId}/my-project-keys`)).body.projectKeys;
    expect(jk[0].encKey).not.toBe(hk[0].encKey);
    expect(() => unwrap(hal, jk[0].encKey)).toThrow();
  });
});
