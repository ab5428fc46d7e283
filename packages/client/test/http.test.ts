import { SomnusApiError, SomnusNetworkError, SomnusResponseError } from '../src/errors';
import { HttpClient, normalizeBaseUrl } from '../src/http';

type Captured = { url: string; init: RequestInit };

function stubFetch(status: number, body: string, contentType = 'application/json', headers: Record<string, string> = {}) {
  const calls: Captured[] = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return new Response(body, { status, headers: { 'Content-Type': contentType, ...headers } });
  }) as typeof fetch;
  return { calls, fetchImpl };
}

const client = (fetchImpl: typeof fetch) => new HttpClient({ baseUrl: 'http://127.0.0.1:9/', clientName: 'somnus-cli::test::0', fetch: fetchImpl });

describe('HttpClient', () => {
  it('sends the client header, JSON body, and X-Session-Id only when a session is given; never follows redirects', async () => {
    const { calls, fetchImpl } = stubFetch(200, '{"ok":true}');
    await client(fetchImpl).call('POST /auth/send-reset-code', { body: { email: 'a@example.com' } });
    await client(fetchImpl).call('POST /auth/logout', { sessionId: 'f'.repeat(64) });
    const [first, second] = calls;
    expect(first!.url).toBe('http://127.0.0.1:9/auth/send-reset-code');
    expect(first!.init.method).toBe('POST');
    const h1 = first!.init.headers as Record<string, string>;
    expect(h1['X-Insomnia-Client']).toBe('somnus-cli::test::0');
    expect(h1['Content-Type']).toBe('application/json');
    expect(h1['X-Session-Id']).toBeUndefined();
    expect(h1['insomnia-request-id']).toMatch(/^cli_[0-9a-f]{32}$/);
    expect(first!.init.body).toBe('{"email":"a@example.com"}');
    expect(first!.init.redirect).toBe('error');
    const h2 = second!.init.headers as Record<string, string>;
    expect(h2['X-Session-Id']).toBe('f'.repeat(64));
    expect(h2['Content-Type']).toBeUndefined();
    expect(second!.url).toBe('http://127.0.0.1:9/auth/logout');
    expect(second!.init.body).toBeUndefined();
  });

  it('sends a GraphQL label as the bare query string (POST /graphql?<label>), and only on GraphQL rows', async () => {
    const { calls, fetchImpl } = stubFetch(200, '{"data":{"project":null}}');
    const res = await client(fetchImpl).call('POST /graphql', { body: { query: '{ x }', variables: {} }, label: 'project.teams', sessionId: 'f'.repeat(64) });
    expect(res).toEqual({ data: { project: null } });
    expect(calls[0]!.url).toBe('http://127.0.0.1:9/graphql?project.teams');
    // @ts-expect-error: only rows answering in GraphQL's format take a label
    await expect(client(fetchImpl).call('POST /auth/logout', { label: 'x' })).rejects.toThrow(/takes no label/);
    await expect(client(fetchImpl).call('POST /graphql', { body: { query: '{ x }' }, label: 'a&b=c' })).rejects.toThrow(/label must be an operation name/);
    expect(calls).toHaveLength(1);
  });

  it('turns {error, message} bodies into SomnusApiError with status, code and Retry-After', async () => {
    const { fetchImpl } = stubFetch(429, '{"error":"RATE_LIMITED","message":"slow down"}', 'application/json', { 'Retry-After': '30' });
    const err = await client(fetchImpl).call('GET /auth/whoami', {}).catch((e) => e);
    expect(err).toBeInstanceOf(SomnusApiError);
    expect(err).toMatchObject({ status: 429, code: 'RATE_LIMITED', message: 'slow down', retryAfterSeconds: 30 });
  });

  it('reports a non-JSON error page by status, quoting only a little of it', async () => {
    const { fetchImpl } = stubFetch(502, `<html>${'x'.repeat(5000)}</html>`, 'text/html');
    const err = await client(fetchImpl).call('GET /auth/whoami', {}).catch((e) => e);
    expect(err).toBeInstanceOf(SomnusApiError);
    expect(err.code).toBe('HTTP_502');
    expect(err.message.length).toBeLessThanOrEqual(200);
  });

  it.each([
    ['a 2xx that is not JSON', 200, 'hello', 'text/plain'],
    ['JSON with a wrong content type', 200, '{"ok":true}', 'text/plain'],
    ['broken JSON', 200, '{"ok":', 'application/json'],
  ])('rejects %s', async (_what, status, body, type) => {
    const { fetchImpl } = stubFetch(status, body, type);
    await expect(client(fetchImpl).call('POST /auth/logout', {})).rejects.toBeInstanceOf(SomnusResponseError);
  });

  it.each([
    ['srpB too short', { sessionStarterId: `lss_${'a'.repeat(32)}`, srpB: 'ab' }],
    ['srpB uppercase', { sessionStarterId: `lss_${'a'.repeat(32)}`, srpB: 'A'.repeat(512) }],
    ['sessionStarterId of the wrong kind', { sessionStarterId: 'sess_x', srpB: 'a'.repeat(512) }],
    ['missing field', { srpB: 'a'.repeat(512) }],
    ['an array', []],
    ['null', null],
  ])('validates 2xx bodies against the models schema: %s', async (_what, body) => {
    const { fetchImpl } = stubFetch(200, JSON.stringify(body));
    const err = await client(fetchImpl).call('POST /auth/login-a', { body: { email: 'a@example.com', srpA: 'ab' } }).catch((e) => e);
    expect(err).toBeInstanceOf(SomnusResponseError);
    expect(err.message).toMatch(/malformed server response/);
  });

  it('maps connection failures to SomnusNetworkError', async () => {
    const fetchImpl = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const err = await client(fetchImpl).call('GET /auth/whoami', {}).catch((e) => e);
    expect(err).toBeInstanceOf(SomnusNetworkError);
    expect(err.message).toMatch(/could not connect/);
  });

  it('normalises and checks base URLs', () => {
    expect(normalizeBaseUrl('http://127.0.0.1:8787/')).toBe('http://127.0.0.1:8787');
    expect(normalizeBaseUrl(' https://api.example.com/somnus/ ')).toBe('https://api.example.com/somnus');
    expect(() => normalizeBaseUrl('ftp://x')).toThrow(/http/);
    expect(() => normalizeBaseUrl('http://u:p@x')).toThrow(/credentials/);
    expect(() => normalizeBaseUrl('nonsense')).toThrow(/Invalid/);
    expect(() => normalizeBaseUrl('http://x/?a=1')).toThrow(/query/);
  });
});
