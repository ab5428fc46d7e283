import { can, isOrgRoute, routeKey, ROUTES, type Permission, type Route } from '@somnus/models';
import { login } from '../support/accounts';
import { randomId, startTenantHarness, seedTenant, signupAndLogin, snapshot, tenantTables, type Harness, type Tenant, type TenantTable, type User } from './tenant-fixtures';

/**
 * The isolation matrix: every org-scoped route × every kind of caller who must not act on the victim's
 * org. Everything it expects comes from the route contracts (packages/models/src/routes.ts): a route is
 * org-scoped when its `access` is a permission of the role model, and that permission decides which roles
 * must get 403. Each caller gets 401/403/404 as docs/protocol.md §1 says, outsiders get the same answer
 * for a real org as for one that does not exist, and no tenant row changes. A route added later, in any
 * public function, is in the refusal matrix without anyone touching this file; only the test of foreign
 * object ids needs a real object for a new kind of path parameter (PARAM).
 */

type OrgRoute = Route & { access: Permission };
const ORG_ROUTES = ROUTES.filter((r): r is OrgRoute => isOrgRoute(r));
const key = routeKey;

/** What the path parameters stand for in the victim's org, and in the other org (foreign object ids). */
interface Ids {
  tenant: Tenant;
  accountId: string;
}

/** Path parameters other than :orgId: a real object of the given tenant. */
const PARAM: Record<string, (ids: Ids) => string> = {
  accountId: (ids) => ids.accountId,
  projectId: (ids) => ids.tenant.teamProjectId,
  invitationId: (ids) => ids.tenant.invitationId,
};

/**
 * The body a route's contract gives as its example. Access is checked before the body, so refusals need
 * none; the owner's calls with foreign ids need a valid one to reach the use case.
 */
function exampleBody(route: OrgRoute): unknown {
  if (!('body' in route)) return undefined;
  const examples = (route.body.meta() as { examples?: unknown[] } | undefined)?.examples;
  return examples?.[0] ?? {};
}

let h: Harness;
let tables: TenantTable[];
let baseline: Awaited<ReturnType<typeof snapshot>>;
let victim: Tenant;
let other: Tenant;
let jane: User; // the victim org's owner
let mo: User; // a member of the victim org
let ada: User; // an admin of the victim org
let nina: User; // in no org but her personal one
let olaf: User; // owner of another org, which jane is a member of
let revokedToken: string; // jane's, logged out

beforeAll(async () => {
  // every public function: an org route of a function added later is served here without a change
  h = await startTenantHarness();
  const signup = (n: string) => signupAndLogin(h, n);
  [jane, mo, ada, nina, olaf] = await Promise.all([signup('jane'), signup('mo'), signup('ada'), signup('nina'), signup('olaf')]);
  const [carol, walt] = await Promise.all([signup('carol'), signup('walt')]);
  victim = await seedTenant(h, jane, { members: { member: mo, admin: ada }, invitee: carol, name: 'Victim' });
  other = await seedTenant(h, olaf, { members: { member: jane }, invitee: walt, name: 'Other' });
  // a revoked session of the victim org's own owner: the strongest caller a revoked token could be
  revokedToken = (await login(h.auth, jane.email, 'pass')).token!;
  expect((await h.auth.post('/auth/logout', {}, { 'X-Session-Id': revokedToken })).status).toBe(200);
  expect((await h.auth.get('/auth/whoami', { 'X-Session-Id': revokedToken })).status).toBe(401);
  tables = await tenantTables(h);
  baseline = await snapshot(h, tables);
});
afterAll(async () => h?.stop());

/**
 * Real objects where PARAM knows the kind. A refusal does not depend on them (access is checked before
 * anything in the path but the org), so an unknown kind gets a placeholder there; calls that must reach
 * the use case (`real`) need a real object of that kind.
 */
function pathFor(route: OrgRoute, orgId: string, ids: Ids, real = false): string {
  return route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    if (name === 'orgId') return orgId;
    const param = PARAM[name];
    if (param) return encodeURIComponent(param(ids));
    if (!real) return `placeholder-${name}`;
    throw new Error(`isolation-matrix: no real object for :${name} in ${key(route)}; seed one in tenant-fixtures.ts and add it to PARAM`);
  });
}

/** Each route is called on its own function's server, as the gateway would route it. */
async function call(route: OrgRoute, headers: Record<string, string>, orgId: string, ids: Ids, real = false) {
  const body = route.method === 'GET' ? undefined : (exampleBody(route) ?? {});
  const res = await (h as unknown as Record<string, Harness['invites']>)[route.fn]!.call(route.method, pathFor(route, orgId, ids, real), body, headers);
  return { status: res.status, body: res.body };
}

interface Caller {
  name: string;
  headers: () => Record<string, string>;
  /** the answer this caller must get on `route`, or null when the caller is allowed (not tested here) */
  expected: (route: OrgRoute) => { status: number; error: string } | null;
  /** outsiders: the same answer for a nonexistent org, so org ids cannot be probed */
  probe?: boolean;
}

const tooLow = (role: 'member' | 'admin') => (route: OrgRoute) => (can(role, route.access) ? null : { status: 403, error: 'FORBIDDEN' });

const CALLERS: Caller[] = [
  { name: 'no session', headers: () => ({}), expected: () => ({ status: 401, error: 'UNAUTHORIZED' }) },
  { name: "the owner's revoked session", headers: () => ({ 'X-Session-Id': revokedToken }), expected: () => ({ status: 401, error: 'UNAUTHORIZED' }) },
  { name: 'a non-member', headers: () => nina.headers, expected: () => ({ status: 404, error: 'NOT_FOUND' }), probe: true },
  {
    name: 'the owner of another org (who shares it with the victim owner)',
    headers: () => olaf.headers,
    expected: () => ({ status: 404, error: 'NOT_FOUND' }),
    probe: true,
  },
  { name: 'a member (role too low)', headers: () => mo.headers, expected: tooLow('member') },
  { name: 'an admin (role too low)', headers: () => ada.headers, expected: tooLow('admin') },
];

describe('isolation matrix', () => {
  it('reads the org-scoped routes from the route table, and knows how to call each', () => {
    expect(ORG_ROUTES.length).toBeGreaterThanOrEqual(20);
    expect(ORG_ROUTES.map(key)).toEqual(expect.arrayContaining(['DELETE /v1/organizations/:orgId', 'PUT /v1/organizations/:orgId/storage-rule']));
    // every route with :orgId in its path is org-scoped: none can skip the membership check
    expect(ROUTES.filter((r) => r.path.includes(':orgId') && !isOrgRoute(r)).map(key)).toEqual([]);
    for (const r of ORG_ROUTES) pathFor(r, victim.orgId, { tenant: victim, accountId: mo.id }); // throws on an unknown parameter
  });

  it.each(CALLERS.map((c) => [c.name, c] as const))('%s: refused on every org route, nothing changes', async (_name, caller) => {
    const mismatches: unknown[] = [];
    let checked = 0;
    for (const route of ORG_ROUTES) {
      const want = caller.expected(route);
      if (!want) continue;
      checked++;
      const ids: Ids = { tenant: victim, accountId: mo.id };
      const got = await call(route, caller.headers(), victim.orgId, ids);
      if (got.status !== want.status || got.body?.error !== want.error || typeof got.body?.message !== 'string') {
        mismatches.push({ route: key(route), want, got });
      }
      if (caller.probe) {
        const ghost = await call(route, caller.headers(), randomId('org'), ids);
        if (JSON.stringify(ghost) !== JSON.stringify(got)) mismatches.push({ route: key(route), probe: 'nonexistent org answers differently', real: got, ghost });
      }
      const now = await snapshot(h, tables);
      if (JSON.stringify(now) !== JSON.stringify(baseline)) {
        mismatches.push({ route: key(route), changed: Object.keys(now).filter((t) => JSON.stringify(now[t]) !== JSON.stringify(baseline[t])) });
        baseline = now; // report each change once
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(0);
    if (caller.probe || caller.name.includes('session')) expect(checked).toBe(ORG_ROUTES.length);
  });

  it("the victim's own owner, using another org's object ids under the victim's path: 404, nothing changes", async () => {
    // jane is a member of `other` too, so she could see these objects there — but not through victim's path
    const mismatches: unknown[] = [];
    const foreign: Ids = { tenant: other, accountId: olaf.id };
    for (const route of ORG_ROUTES.filter((r) => /:(?!orgId)[A-Za-z]+/.test(r.path))) {
      const got = await call(route, jane.headers, victim.orgId, foreign, true);
      if (got.status !== 404 || got.body?.error !== 'NOT_FOUND') mismatches.push({ route: key(route), got });
    }
    expect(mismatches).toEqual([]);
    expect(await snapshot(h, tables)).toEqual(baseline);
  });

  it('positive control: the owner gets 200 on every GET, so the refusals above are not a broken route', async () => {
    for (const route of ORG_ROUTES.filter((r) => r.method === 'GET')) {
      const got = await call(route, jane.headers, victim.orgId, { tenant: victim, accountId: mo.id }, true);
      expect({ route: key(route), status: got.status }).toEqual({ route: key(route), status: 200 });
    }
    expect(await snapshot(h, tables)).toEqual(baseline);
  });
});
