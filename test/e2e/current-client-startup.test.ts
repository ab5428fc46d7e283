/**
 * A current Insomnia client (10.x) starting up against Somnus, through the real gateway, with the headers
 * its `insomniaFetch` sends (docs/protocol.md §6, §6a) and the CORS preflight a browser-like renderer
 * sends before each of them. Every answer must be one the client accepts: its startup asserts
 * `organizations`, a truthy user `id`, a truthy `planId`, and a personal org it owns.
 */
import { randomUUID } from 'node:crypto';
import { SomnusClient } from '@somnus/client';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
let session: string;
let accountId: string;

const CLIENT = 'production::linux::10.1.1';
const ORIGIN = 'app://insomnia';

beforeAll(async () => {
  stack = await startTestStack({ env: { LOG_LEVEL: 'silent' } });
  const client = new SomnusClient({ baseUrl: stack.baseUrl });
  const email = `startup.${process.pid}@example.com`;
  ({ accountId } = await client.signup({ email, passphrase: 'correct horse battery staple' }));
  await client.login({ email, passphrase: 'correct horse battery staple' });
  session = client.sessionId!;
});
afterAll(async () => {
  await stack?.stop();
});

/** The headers of insomniaFetch, as the client builds them. */
function clientHeaders(opts: { body?: boolean; orgId?: string; session?: string | null } = {}): Record<string, string> {
  const sid = opts.session === undefined ? session : opts.session;
  return {
    'X-Insomnia-Client': CLIENT,
    'insomnia-request-id': `desk_${randomUUID().replace(/-/g, '')}`,
    'X-Origin': stack.baseUrl,
    ...(sid ? { 'X-Session-Id': sid } : {}),
    ...(opts.body ? { 'Content-Type': 'application/json' } : {}),
    ...(opts.orgId ? { 'X-Insomnia-Org-Id': opts.orgId } : {}),
  };
}

/** What a renderer sends first: OPTIONS with the method and the header names of the call that follows. */
async function preflight(method: string, path: string, headers: Record<string, string>): Promise<void> {
  const res = await fetch(stack.baseUrl + path, {
    method: 'OPTIONS',
    headers: { Origin: ORIGIN, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': Object.keys(headers).join(',').toLowerCase() },
  });
  expect({ path, status: res.status }).toEqual({ path, status: 204 });
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  expect(res.headers.get('access-control-allow-methods')!.split(', ')).toContain(method);
  const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase().split(/,\s*/);
  for (const name of Object.keys(headers)) expect({ path, header: name, allowed: allowed.includes(name.toLowerCase()) }).toEqual({ path, header: name, allowed: true });
}

/** One call as the client makes it, preflight first; the JSON answer, checked for status and Content-Type. */
async function call<T = any>(method: string, path: string, opts: { data?: unknown; orgId?: string; session?: string | null } = {}): Promise<T> {
  const headers = clientHeaders({ body: opts.data !== undefined, orgId: opts.orgId, session: opts.session });
  await preflight(method, path, headers);
  const res = await fetch(stack.baseUrl + path, { method, headers: { ...headers, Origin: ORIGIN }, body: opts.data === undefined ? undefined : JSON.stringify(opts.data) });
  const text = await res.text();
  expect({ path, status: res.status, body: text.slice(0, 200) }).toEqual({ path, status: 200, body: text.slice(0, 200) });
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  return JSON.parse(text) as T;
}

it('runs the startup of a current client clean: the three calls in parallel, then the personal org’s calls', async () => {
  const [orgs, user, plan] = await Promise.all([
    call<{ organizations: Array<{ id: string; metadata: { organizationType: string; ownerAccountId: string } }> }>('GET', '/v1/organizations'),
    call<{ id: string }>('GET', '/v1/user/profile'),
    call<{ planId: string; isActive: boolean; type: string }>('GET', '/v1/billing/current-plan'),
  ]);
  // the client's invariants: organizations, a user id, a plan id, and a personal org it owns
  expect(Array.isArray(orgs.organizations)).toBe(true);
  expect(user.id).toBeTruthy();
  expect(plan.planId).toBeTruthy();
  expect(plan).toMatchObject({ isActive: true, type: 'team' });
  const personal = orgs.organizations.find((o) => o.metadata.organizationType === 'personal' && o.metadata.ownerAccountId === accountId);
  expect(personal).toBeDefined();
  const orgId = personal!.id;

  const [org, features, storage, permissions, teamProjects] = await Promise.all([
    call<{ id: string }>('GET', `/v1/organizations/${orgId}`, { orgId }),
    call<{ features: Record<string, { enabled: boolean }> }>('GET', `/v1/organizations/${orgId}/features`, { orgId }),
    call<{ storage: string }>('GET', `/v1/organizations/${orgId}/storage-rule`, { orgId }),
    call<Record<string, boolean>>('GET', `/v1/organizations/${orgId}/user-permissions`, { orgId }),
    call<{ data: unknown[] }>('GET', `/v1/organizations/${orgId}/team-projects`, { orgId }),
  ]);
  expect(org.id).toBe(orgId);
  // what the plan promises, the org features grant: everything the server has
  expect(Object.values(features.features).every((f) => f.enabled)).toBe(true);
  expect(storage.storage).toBeTruthy();
  expect(permissions['own:organization']).toBe(true);
  expect(Array.isArray(teamProjects.data)).toBe(true);

  // the calls that come after: no notification, telemetry dropped, the sync screens' file list, whoami
  expect(await call('POST', '/notification', { data: { app: 'com.insomnia.app', launches: 1, platform: 'linux', version: '10.1.1' } })).toBeNull();
  expect(await call('POST', '/v1/telemetry/')).toEqual({ ok: true });
  expect(await call('GET', '/v1/user/files')).toBeDefined();
  const who = await call<{ planId: string; accountId: string }>('GET', '/auth/whoami');
  expect(who).toMatchObject({ accountId, planId: plan.planId });
});

it('git sync sign-in calls, made without a session as the client makes them, get a deliberate answer', async () => {
  const headers = clientHeaders({ body: true, session: null });
  await preflight('POST', '/v1/oauth/github', headers);
  const github = await fetch(`${stack.baseUrl}/v1/oauth/github`, { method: 'POST', headers, body: JSON.stringify({ code: 'abc' }) });
  expect(github.status).toBe(404);
  expect(await github.json()).toEqual({ error: 'GIT_OAUTH_NOT_CONFIGURED', message: expect.any(String) });
  const gitlab = await fetch(`${stack.baseUrl}/v1/oauth/gitlab/config`, { headers: clientHeaders({ session: null }) });
  expect(gitlab.status).toBe(404);
});

it('a preflight for a path Somnus does not serve is a 404, not an open door', async () => {
  const res = await fetch(`${stack.baseUrl}/v1/billing/subscriptions`, { method: 'OPTIONS', headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST' } });
  expect(res.status).toBe(404);
  expect(res.headers.get('access-control-allow-methods')).toBeNull();
});
