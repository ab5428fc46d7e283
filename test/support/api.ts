import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { ROUTES, errorBody, matchRoute } from '@somnus/models';

export interface ApiResponse<T = any> {
  status: number;
  contentType: string | null;
  headers: Headers;
  body: T;
  text: string;
}

/** A response that breaks its route's contract: a test must never see it as a plain answer. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

/**
 * Every answer a test receives is checked against the contract of its route (packages/models/src/routes.ts):
 * a success body against the row's response schema, an error against `{error, message}`. A handler that
 * drifts from the wire shape the SDK and Insomnia expect fails the test that called it, whatever it asserts.
 */
export function checkContract(method: string, path: string, status: number, contentType: string | null, body: unknown): void {
  const match = matchRoute(method, path.split('?')[0]!, ROUTES);
  if (!('route' in match)) return; // not a public route (a private function, or a path that must 404)
  const where = `${method} ${match.route.path} → ${status}`;
  // a page for browsers (git sign-in): success is the redirect itself; its Location is the test's to check
  if ('responseFormat' in match.route && match.route.responseFormat === 'redirect' && status === 302) return;
  // the web app's pages and assets (and their 308s, 304s) are not JSON; their refusals are
  if ('responseFormat' in match.route && match.route.responseFormat === 'static' && status < 400) return;
  if (contentType !== 'application/json') throw new ContractViolation(`${where}: Content-Type ${contentType}, not application/json`);
  const schema = status >= 200 && status < 300 ? match.route.response : status >= 400 ? errorBody : null;
  if (!schema) throw new ContractViolation(`${where}: unexpected status`);
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new ContractViolation(`${where}: the answer breaks the route's contract (${issues})`);
  }
  const expected = 'status' in match.route ? match.route.status : 200;
  // a replayed create answers 200 where a first one answers 201: both are successes of the same contract
  if (status >= 200 && status < 300 && status !== expected && !(status === 200 && expected === 201)) {
    throw new ContractViolation(`${where}: the contract's success status is ${expected}`);
  }
}

/** A tiny JSON client for tests: sends what an Insomnia client sends, returns status, headers and body. */
export function api(baseUrl: string, defaults: Record<string, string> = {}, { checked = true }: { checked?: boolean } = {}) {
  async function call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const init: RequestInit = { method, headers: { ...defaults, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(baseUrl + path, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // leave as text: the assertion on the body will say what came back
    }
    const contentType = res.headers.get('content-type');
    if (checked) checkContract(method, path, res.status, contentType, parsed);
    return { status: res.status, contentType, headers: res.headers, body: parsed as T, text };
  }
  return {
    baseUrl,
    get: <T = any>(path: string, headers?: Record<string, string>) => call<T>('GET', path, undefined, headers),
    post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>('POST', path, body, headers),
    delete: <T = any>(path: string, headers?: Record<string, string>) => call<T>('DELETE', path, undefined, headers),
    call,
  };
}
export type Api = ReturnType<typeof api>;

/** Serves an in-process functions-framework server on a loopback port (it is still the same process). */
export async function listen(server: Server): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
