import { ROUTES, type Route } from '@somnus/models';
import { PATH_ID_FORMATS, pathParamNames } from '@somnus/runtime';
import { seedTenant, signupAndLogin, snapshot, tenantTables, type Harness, type Tenant, type TenantTable, type User, startTenantHarness } from './tenant-fixtures';

/**
 * Strings a database cannot hold — a NUL, a lone surrogate — or path segments too long to be an id are a
 * client's mistake: every route answers them with a 4xx `{error, message}`, never a 500, and nothing
 * changes. Every route of the table is tried, as the owner of a real org, so access never stops the
 * request before the input is read.
 */

let h: Harness;
let tenant: Tenant;
let owner: User;
let tables: TenantTable[];

beforeAll(async () => {
  h = await startTenantHarness();
  owner = await signupAndLogin(h, 'owner');
  const [member, invitee] = await Promise.all([signupAndLogin(h, 'member'), signupAndLogin(h, 'invitee')]);
  tenant = await seedTenant(h, owner, { members: { member }, invitee, name: 'Strings' });
  tables = await tenantTables(h);
});
afterAll(async () => h?.stop());

const api = (fn: string) => (h as unknown as Record<string, Harness['invites']>)[fn]!;
/** `encoded` goes into the URL as it is: a lone surrogate has no UTF-8, so it travels as the bytes that would be one. */
const fill = (route: Route, encoded: string) => route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => (name === 'orgId' ? tenant.orgId : encoded));

/** The route's example body (or a plausible one) with every string replaced by `bad`. */
function poisoned(route: Route, bad: string): unknown {
  const example = 'body' in route ? ((route.body.meta() as { examples?: unknown[] } | undefined)?.examples?.[0] ?? { name: 'x', email: 'a@b.example', code: 'c' }) : {};
  const walk = (v: unknown): unknown =>
    typeof v === 'string' ? bad : Array.isArray(v) ? v.map(walk) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)])) : v;
  return walk(example);
}

const BAD = { nul: ['a\u0000b', 'a%00b'], 'lone surrogate': ['a\ud800b', 'a%ED%A0%80b'] } as const;

describe.each(Object.entries(BAD))('%s', (_kind, [bad, encoded]) => {
  it('in a path parameter, a body field or a query value: 4xx on every route, nothing changes', async () => {
    const before = await snapshot(h, tables);
    const problems: unknown[] = [];
    for (const route of ROUTES) {
      const calls: Array<[string, unknown]> = [];
      if (/:(?!orgId)[A-Za-z]+/.test(route.path)) calls.push([fill(route, encoded), undefined]);
      if ('body' in route) calls.push([fill(route, 'x'), poisoned(route, bad)]);
      if ('query' in route) calls.push([`${fill(route, 'x')}?email=${encoded}&page=${encoded}`, undefined]);
      for (const [path, body] of calls) {
        const res = await api(route.fn).call(route.method, path, route.method === 'GET' ? undefined : (body ?? {}), owner.headers);
        // a GraphQL route refuses in the body: 200 with errors[]
        const refused = 'errorFormat' in route ? res.status === 200 && Array.isArray(res.body?.errors) : res.status >= 400 && res.status < 500;
        if (!refused) problems.push({ route: `${route.method} ${route.path}`, path, status: res.status, body: res.body });
      }
    }
    expect(problems).toEqual([]);
    expect(await snapshot(h, tables)).toEqual(before);
  });
});

it('a path parameter longer than any id: 400 VALIDATION_ERROR', async () => {
  const res = await h.auth.call('DELETE', `/v1/user/sessions/${'s'.repeat(300)}`, undefined, owner.headers);
  expect({ status: res.status, error: res.body.error }).toEqual({ status: 400, error: 'VALIDATION_ERROR' });
});

describe('path ids of the wrong format (outside review)', () => {
  // strings a database holds and compares without complaint, that no id of any kind can be
  const WRONG = ['x', `acct_${'z'.repeat(32)}`, "sess_' OR 1=1 --", `proj_${'0'.repeat(31)}`, `inv_${'0'.repeat(32)}.`];

  it('every path parameter of the route table has an id format', () => {
    const names = new Set(ROUTES.flatMap((r) => pathParamNames(r.path)));
    expect([...names].filter((n) => !PATH_ID_FORMATS[n])).toEqual([]);
  });

  it('are refused by their format on every route, before the use case: 404 that names no object, nothing changes', async () => {
    const before = await snapshot(h, tables);
    const problems: unknown[] = [];
    for (const route of ROUTES.filter((r) => /:(?!orgId)[A-Za-z]+/.test(r.path))) {
      for (const wrong of WRONG) {
        const path = route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => (name === 'orgId' ? tenant.orgId : encodeURIComponent(wrong)));
        const body = 'body' in route ? ((route.body.meta() as { examples?: unknown[] } | undefined)?.examples?.[0] ?? {}) : undefined;
        const res = await api(route.fn).call(route.method, path, route.method === 'GET' ? undefined : (body ?? {}), owner.headers);
        const answer = { status: res.status, error: res.body?.error, byFormat: /is not of its id format/.test(res.body?.message ?? '') };
        if (answer.status !== 404 || answer.error !== 'NOT_FOUND' || !answer.byFormat) problems.push({ route: `${route.method} ${route.path}`, wrong, ...answer, message: res.body?.message });
      }
    }
    expect(problems).toEqual([]);
    expect(await snapshot(h, tables)).toEqual(before);
  });

  it('ids of the right format still reach the use case', async () => {
    const session = `sess_${'0'.repeat(32)}`;
    const res = await h.auth.call('DELETE', `/v1/user/sessions/${session}`, undefined, owner.headers);
    expect({ status: res.status, message: res.body.message }).toEqual({ status: 404, message: 'No such session' });
    const members = await h.invites.get(`/v1/organizations/${tenant.orgId}/members/${tenant.members.member!.id}/roles`, owner.headers);
    expect(members.status).toBe(200);
  });
});
