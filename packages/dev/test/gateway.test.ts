import http from 'node:http';
import { http as registerHttp } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { FUNCTION_REGISTRY, ROUTES } from '@somnus/models';
import { closeServer, createGateway, listen } from '../src/gateway';

/** The functions behind the gateway: the public ones of the registry. */
const FUNCTION_NAMES = FUNCTION_REGISTRY.filter((f) => f.trigger.type === 'http' && f.trigger.public).map((f) => f.name);

/**
 * Fixture functions registered under the real names: each echoes its name and what it received, so the
 * gateway is tested independently of what the real functions do.
 */
for (const name of FUNCTION_NAMES) {
  registerHttp(name, (req, res) => {
    res.status(200).json({ fn: name, method: req.method, url: req.url, body: req.body ?? null });
  });
}

let gateway: http.Server;
let baseUrl: string;

beforeAll(async () => {
  const functions = Object.fromEntries(FUNCTION_NAMES.map((n) => [n, getTestServer(n)]));
  gateway = createGateway({ functions });
  baseUrl = (await listen(gateway, 0)).url;
});
afterAll(() => closeServer(gateway));

const concretePath = (pattern: string) => pattern.replace(/:([A-Za-z]+)/g, (_, p: string) => `${p}-value`);

describe('routes every entry of the route table to its function', () => {
  it.each(ROUTES.map((r) => [r.method, r.path, r.fn] as const))('%s %s → %s', async (method, pattern, fn) => {
    const path = `${concretePath(pattern)}?q=1`;
    const hasBody = method !== 'GET' && method !== 'DELETE';
    const res = await fetch(baseUrl + path, {
      method,
      ...(hasBody ? { body: JSON.stringify({ hello: 'world' }), headers: { 'Content-Type': 'application/json' } } : {}),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { fn: string; method: string; url: string; body: unknown };
    expect(body.fn).toBe(fn);
    expect(body.method).toBe(method);
    expect(body.url).toBe(path); // path and query reach the function untouched
    if (hasBody) expect(body.body).toEqual({ hello: 'world' });
  });

  it('covers every function in the table', () => {
    expect(new Set(ROUTES.map((r) => r.fn))).toEqual(new Set(FUNCTION_NAMES));
  });
});

describe('requests no route matches', () => {
  it('unknown path → 404 NOT_FOUND with Content-Type application/json exactly', async () => {
    for (const path of ['/nope', '/', '/auth', '/auth/signup/extra', '/v1/user/sessions/a/b']) {
      const res = await fetch(baseUrl + path, { method: 'POST' });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe('NOT_FOUND');
      expect(typeof body.message).toBe('string');
      expect(Object.keys(body).sort()).toEqual(['error', 'message']);
    }
  });

  it('known path, wrong method → 405 METHOD_NOT_ALLOWED with an Allow header', async () => {
    const res = await fetch(`${baseUrl}/auth/signup`, { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('allow')).toBe('POST');
    const body = (await res.json()) as { error: string; message: string };
    expect(body).toEqual({ error: 'METHOD_NOT_ALLOWED', message: expect.any(String) });

    const both = await fetch(`${baseUrl}/auth/whoami`, { method: 'DELETE' });
    expect(both.status).toBe(405);
    expect(both.headers.get('allow')).toBe('GET, POST');
  });

  it('a route with a parameter does not match an empty segment', async () => {
    const res = await fetch(`${baseUrl}/v1/user/sessions/`, { method: 'DELETE' });
    expect(res.status).toBe(405); // the trailing slash is dropped: /v1/user/sessions exists, for GET
    const res2 = await fetch(`${baseUrl}/v1/user/sessions//`, { method: 'DELETE' });
    expect(res2.status).toBe(404);
  });
});

describe('targets', () => {
  it('accepts a plain request listener and answers 503 JSON for a function that is not running', async () => {
    const gw = createGateway({
      functions: {
        auth: (_req, res) => {
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end('listener');
        },
      },
    });
    const { url } = await listen(gw, 0);
    try {
      const ok = await fetch(`${url}/auth/whoami`);
      expect(await ok.text()).toBe('listener');
      const missing = await fetch(`${url}/v1/keys`);
      expect(missing.status).toBe(503);
      expect(missing.headers.get('content-type')).toBe('application/json');
      expect(((await missing.json()) as { error: string }).error).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await closeServer(gw);
    }
  });

  it('reports each finished request without its query string', async () => {
    const seen: { method: string; path: string; fn: string | null; status: number }[] = [];
    const gw = createGateway({
      functions: { auth: getTestServer('auth'), keys: getTestServer('keys') },
      onRequest: ({ method, path, fn, status }) => seen.push({ method, path, fn, status }),
    });
    const { url } = await listen(gw, 0);
    try {
      await (await fetch(`${url}/v1/keys?token=secret`)).text();
      await (await fetch(`${url}/missing`)).text();
      expect(seen).toEqual([
        { method: 'GET', path: '/v1/keys', fn: 'keys', status: 200 },
        { method: 'GET', path: '/missing', fn: null, status: 404 },
      ]);
    } finally {
      await closeServer(gw);
    }
  });
});

describe('the API description', () => {
  it('serves GET /openapi.json, generated from the route table it routes by', async () => {
    const res = await fetch(`${baseUrl}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/auth/signup', '/v1/organizations/{orgId}/members']));
    expect((await fetch(`${baseUrl}/openapi.json`, { method: 'POST' })).status).toBe(404);
  });
});
