import { ROUTES } from '@somnus/models';
import { runCampaign, startFuzzTarget, summarizeFailures, violationsOf, type FuzzTarget } from '../fuzz/campaign';
import { materialize, type Fixture, type FuzzCase } from '../fuzz/cases';

/**
 * Hostile variants of every route of the route table against the running stack (issue 9 §9; the campaign
 * and its properties are in test/fuzz/campaign.ts, the variants in test/fuzz/cases.ts). A fixed seed and a
 * few hundred cases here; `pnpm fuzz --n 20000 --seed S` runs a long campaign with the same checks.
 */

const SEED = 20_260_611;
const RUNS = 480;

let target: FuzzTarget;
beforeAll(async () => {
  target = await startFuzzTarget();
}, 120_000);
afterAll(async () => target?.stop());

it(`${RUNS} hostile requests over every route: no 5xx, JSON errors, no 2xx without a session, no row changed by a refusal`, async () => {
  const report = await runCampaign(target, { numRuns: RUNS, seed: SEED });
  expect(summarizeFailures(report.failures, SEED)).toEqual([]);
  expect(report.passed).toBe(RUNS);
  // the cases walk every route, and every kind of variant and credential shows up
  expect(report.coverage.routes.size).toBe(new Set(ROUTES.map((r) => `${r.method} ${r.path}`)).size);
  expect([...report.coverage.bodies.keys()].sort()).toEqual(
    ['base', 'deep', 'extra', 'graphql-text', 'hex', 'missing', 'none', 'number', 'oversized', 'raw', 'string', 'wide', 'wrong-type'].sort(),
  );
  expect(report.coverage.credentials.size).toBe(10);
}, 300_000);

it('the row check sees every table, and a write in any of them', async () => {
  const before = await target.state();
  expect(Object.keys(before)).toEqual(expect.arrayContaining(['accounts', 'organizations', 'memberships', 'invites', 'project_keys', 'vcs_blobs', 'sessions']));
  const created = await target.h.invites.post('/v1/organizations', { name: 'Seen' }, { 'X-Session-Id': target.fixture.tokens.owner });
  expect(created.status).toBe(201);
  const after = await target.state();
  expect(Object.keys(before).filter((t) => before[t] !== after[t])).toEqual(expect.arrayContaining(['organizations', 'memberships']));
});

it('puts the fixture back after a granted logout or org deletion, so later cases still have a live owner and org', async () => {
  const fx = target.fixture;
  const owner = () => ({ 'X-Session-Id': fx.tokens.owner });
  expect((await target.h.invites.call('DELETE', `/v1/organizations/${fx.orgId}`, undefined, owner())).status).toBe(200);
  expect((await target.h.auth.post('/auth/logout', {}, owner())).status).toBe(200);
  const [oldOrg, oldToken] = [fx.orgId, fx.tokens.owner];
  await target.repair();
  expect([fx.orgId, fx.tokens.owner]).not.toEqual([oldOrg, oldToken]);
  expect((await target.h.auth.get('/auth/whoami', owner())).status).toBe(200);
  expect((await target.h.invites.get(`/v1/organizations/${fx.orgId}`, owner())).status).toBe(200);
}, 60_000);

describe('the checks fail on what they are for', () => {
  const fx: Fixture = {
    orgId: 'org_1',
    foreignOrgId: 'org_2',
    teamProjectId: 'proj_1',
    projectId: 'prj_1',
    blobId: 'b',
    invitationId: 'inv_1',
    ownerId: 'acct_1',
    memberId: 'acct_2',
    tokens: { owner: 'a'.repeat(64), member: 'b'.repeat(64), outsider: 'c'.repeat(64), expired: 'd'.repeat(64), revoked: 'e'.repeat(64) },
  };
  const whoami = ROUTES.findIndex((r) => r.method === 'GET' && r.path === '/auth/whoami');
  const c: FuzzCase = { route: whoami, method: null, path: { kind: 'real' }, query: null, credential: 'none', variant: 0, body: { kind: 'none' }, transport: { contentType: 0, encoding: 'none', chunked: false } };
  const wire = materialize(c, fx);
  const json = (status: number, body: unknown, contentType = 'application/json') => ({
    status,
    headers: { 'content-type': contentType },
    text: JSON.stringify(body),
    body,
    sentBeforeAnswer: 0,
  });
  const kinds = (answer: ReturnType<typeof json>, before = { t: '1' }, after = { t: '1' }) => violationsOf({ fuzzCase: c, wire, answer, before, after }).map((v) => v.kind);

  it('passes a proper refusal', () => {
    expect(kinds(json(401, { error: 'UNAUTHORIZED', message: 'no' }))).toEqual([]);
  });
  it('flags a 5xx, an HTML error, a bare error body, a 2xx without a session and a refusal that wrote', () => {
    expect(kinds(json(500, { error: 'INTERNAL', message: 'x' }))).toContain('5xx');
    expect(kinds(json(400, '<html>Bad Request</html>', 'text/html'))).toContain('error not JSON');
    expect(kinds(json(400, { message: 'x' }))).toContain('error not {error, message}');
    expect(kinds(json(200, { accountId: 'acct_1' }))).toContain('2xx without credentials');
    expect(kinds(json(401, { error: 'UNAUTHORIZED', message: 'no' }), { t: '1' }, { t: '2' })).toContain('a refused request changed rows');
  });
  it('flags an internal error a GraphQL route answers in its body', () => {
    const gql = ROUTES.findIndex((r) => 'errorFormat' in r && r.errorFormat === 'graphql');
    const onGraphql: FuzzCase = { ...c, route: gql, credential: 'owner' };
    const answer = json(200, { data: { project: null }, errors: [{ message: 'Internal error', extensions: { code: 'INTERNAL' } }] });
    expect(violationsOf({ fuzzCase: onGraphql, wire: materialize(onGraphql, fx), answer, before: {}, after: {} }).map((v) => v.kind)).toContain('5xx');
  });
});
