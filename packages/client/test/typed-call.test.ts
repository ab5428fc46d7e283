/**
 * HttpClient.call takes its path, body, query and answer schema from the route table. These tests
 * check at run time what the types promise: an answer the row's response schema refuses never reaches
 * the caller, path parameters cannot add or remove path segments, and a call the table does not allow
 * is stopped before anything is sent. Each `@ts-expect-error` line is also a compile-time check
 * (`pnpm typecheck`): if the call it marks ever type-checks, the directive itself fails.
 *
 * The server here is a small HTTP listener that answers whatever a test tells it to. The real server
 * cannot send a malformed answer, and these tests are about what the client does when one arrives.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SomnusClient, SomnusResponseError } from '../src';
import { HttpClient } from '../src/http';

interface Seen {
  method: string;
  /** The request target exactly as it arrived on the socket. */
  url: string;
  body: string;
}

type Answer = { status: number; body: unknown };

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let answer: (req: Seen) => Answer = () => ({ status: 200, body: { ok: true } });

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', body };
      seen.push(s);
      const a = answer(s);
      res.writeHead(a.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  answer = () => ({ status: 200, body: { ok: true } });
});

const http = () => new HttpClient({ baseUrl, clientName: 'somnus-cli::test::0' });
const SESSION = 'a'.repeat(64);

const ORG = { id: 'org_1', name: 'acme', display_name: 'Acme', branding: { logo_url: '' }, metadata: { organizationType: 'team', ownerAccountId: 'acct_1' } };

describe('HttpClient.call: answers are checked against the row', () => {
  it.each([
    ['a whoami without its key material', 'GET /auth/whoami' as const, { ok: true }],
    ['the shape of a different route', 'GET /v1/keys' as const, ORG],
    ['a logout that did not say ok', 'POST /auth/logout' as const, { ok: false }],
    ['an array where the row has an object', 'GET /v1/user/sessions' as const, []],
  ])('refuses %s with SomnusResponseError', async (_what, key, body) => {
    answer = () => ({ status: 200, body });
    const err = await http()
      .call(key, { sessionId: SESSION })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SomnusResponseError);
    const [method, path] = key.split(' ');
    expect(err).toMatchObject({ status: 200, path });
    expect((err as Error).message).toMatch(new RegExp(`^${method} ${path}: malformed server response \\(`));
    expect(seen).toHaveLength(1);
  });

  it('refuses a malformed answer reached through the SDK, naming the path that was actually called', async () => {
    answer = () => ({ status: 200, body: { id: 'org_1', name: 'acme' } });
    const client = new SomnusClient({ baseUrl, sessionId: SESSION });
    const err = await client.getOrg('org_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SomnusResponseError);
    expect(err).toMatchObject({ path: '/v1/organizations/org_1' });
    expect((err as Error).message).toMatch(/^GET \/v1\/organizations\/org_1: malformed server response \(.*display_name/);
  });

  it('hands back only the fields the row declares', async () => {
    answer = () => ({ status: 200, body: { ...ORG, ownerPassphrase: 'not for you' } });
    const org = await http().call('GET /v1/organizations/:orgId', { params: { orgId: 'org_1' }, sessionId: SESSION });
    expect(org).toEqual(ORG);
    // @ts-expect-error: the organization schema declares no such field
    expect(org.ownerPassphrase).toBeUndefined();
    expect(org.metadata.organizationType).toBe('team');
  });
});

describe('HttpClient.call: path parameters and query', () => {
  it('percent-encodes every path parameter, so none can add a segment, a query or a fragment', async () => {
    await http().call('DELETE /v1/organizations/:orgId/members/:accountId', { params: { orgId: 'org/../x', accountId: 'a b?c#d%e' }, sessionId: SESSION });
    await new SomnusClient({ baseUrl, sessionId: SESSION }).revokeSession('sess_1/../../../organizations/org_1');
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'DELETE /v1/organizations/org%2F..%2Fx/members/a%20b%3Fc%23d%25e',
      'DELETE /v1/user/sessions/sess_1%2F..%2F..%2F..%2Forganizations%2Forg_1',
    ]);
  });

  it('refuses dot and empty segments, which URL parsing would resolve into another route, before sending anything', async () => {
    const client = new SomnusClient({ baseUrl, sessionId: SESSION });
    // DELETE /v1/organizations/org_1/invites/.. would reach DELETE /v1/organizations/org_1
    await expect(client.revokeInvite('org_1', '..')).rejects.toThrow(/path parameter invitationId must not be "\.\."/);
    await expect(client.removeMember('org_1', '.')).rejects.toThrow(TypeError);
    await expect(client.getOrg('')).rejects.toThrow(/path parameter orgId must not be ""/);
    expect(seen).toEqual([]);
  });

  it('sends the query the row declares, encoded, and no body on a GET', async () => {
    answer = () => ({ status: 200, body: { start: 0, limit: 100, length: 0, total: 0, next: '', members: [] } });
    const members = await new SomnusClient({ baseUrl, sessionId: SESSION }).members('org 1', { email: 'a+b@example.com' });
    expect(members).toEqual([]);
    expect(seen).toEqual([{ method: 'GET', url: '/v1/organizations/org%201/members?page=0&per_page=100&email=a%2Bb%40example.com', body: '' }]);
  });
});

describe('HttpClient.call: calls the table does not allow', () => {
  // Each line is refused twice: by the compiler (the directive) and, for callers that get around the
  // types, by call itself before any request leaves.
  it.each<[string, () => Promise<unknown>, RegExp]>([
    // @ts-expect-error: not a row of the route table
    ['a path not in the table', () => http().call('GET /v1/organizations/:orgId/secrets', { sessionId: SESSION }), /is not in the route table/],
    // @ts-expect-error: the row is a GET; there is no PUT of it
    ['a method the row does not have', () => http().call('PUT /v1/keys', { sessionId: SESSION }), /is not in the route table/],
    // @ts-expect-error: the path has :orgId, so params are required
    ['missing path parameters', () => http().call('GET /v1/organizations/:orgId', { sessionId: SESSION }), /missing path parameter orgId/],
    // @ts-expect-error: the parameter is called orgId
    ['a misnamed path parameter', () => http().call('GET /v1/organizations/:orgId', { params: { org: 'org_1' }, sessionId: SESSION }), /has no path parameter org/],
    // @ts-expect-error: GET /v1/keys has no path parameters
    ['path parameters on a path without any', () => http().call('GET /v1/keys', { params: { orgId: 'org_1' }, sessionId: SESSION }), /has no path parameter orgId/],
    // @ts-expect-error: logout reads no body
    ['a body on a row without one', () => http().call('POST /auth/logout', { body: { everywhere: true }, sessionId: SESSION }), /takes no body/],
    // @ts-expect-error: whoami reads no query
    ['a query on a row without one', () => http().call('GET /auth/whoami', { query: { page: 1 }, sessionId: SESSION }), /takes no query/],
  ])('refuses %s', async (_what, run, message) => {
    await expect(run()).rejects.toThrow(message);
    expect(seen).toEqual([]);
  });

  it('type-checks bodies against the row (compile-time only; the server validates them too)', async () => {
    answer = () => ({ status: 400, body: { error: 'INVALID_REQUEST', message: 'email is required' } });
    // @ts-expect-error: login-s needs a body
    await expect(http().call('POST /auth/login-s', {})).rejects.toMatchObject({ status: 400 });
    // @ts-expect-error: the field is `email`
    await expect(http().call('POST /auth/login-s', { body: { mail: 'a@example.com' } })).rejects.toMatchObject({ status: 400 });
    // @ts-expect-error: a role change takes a list of role ids
    await expect(http().call('PUT /v1/organizations/:orgId/members/:accountId/roles', { params: { orgId: 'o', accountId: 'a' }, body: { roles: 'admin' } })).rejects.toMatchObject({ status: 400 });
    expect(seen.map((s) => s.body)).toEqual(['', '{"mail":"a@example.com"}', '{"roles":"admin"}']);
  });
});
