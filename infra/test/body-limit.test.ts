import http from 'node:http';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FUNCTION_REGISTRY, ROUTES, type FunctionSpec } from '@somnus/models';
import { login, newAccount } from '../../test/support/accounts';
import { startFunctions, type FunctionHarness } from '../../test/support/function-server';
import { buildArchive, startArchive, type DeployedFunction } from './support/deployed-function';

/**
 * What protects the deployed stack from oversized bodies (docs/architecture.md §3, §7): each function's
 * archive carries its own body guard, installed when functions-framework loads the function and before
 * the framework builds its server (packages/runtime/src/body-guard.ts). The framework's own parsers accept
 * 1024 MB and it takes no option to change that, so this is checked on what GCP runs: the archive
 * infra/build.ts makes for `pulumi up`, started by functions-framework's CLI as the Node.js buildpack
 * starts it. A 30 MB body must be refused before it is read, without the instance's memory moving.
 */

const MiB = 1024 * 1024;
const HTTP_FUNCTIONS = (FUNCTION_REGISTRY as readonly FunctionSpec[]).filter((f) => f.trigger.type === 'http');

/** Every HTTP function's archive, built once as `pulumi up` builds it. */
let outDir: string;
const archives: Record<string, string> = {};
beforeAll(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-archives-'));
  for (const spec of HTTP_FUNCTIONS) archives[spec.name] = buildArchive(spec, outDir);
});
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

/** A POST with a declared body and `bytes` of it actually sent; resolves with the answer. */
function post(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; contentType: string | undefined; allowOrigin: string | undefined; body: any; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString();
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // left as text for the assertion to show
        }
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], allowOrigin: res.headers['access-control-allow-origin'] as string | undefined, body: parsed, ms: performance.now() - started });
      });
    });
    // the server may close while the rest of the body is still going out; the answer came first
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    req.end(body);
  });
}

/** A path the function serves with a body (its own route table rows), or `/` for a function without routes. */
function bodyPathOf(spec: FunctionSpec): string {
  const row = ROUTES.find((r) => r.fn === spec.name && 'body' in r) ?? ROUTES.find((r) => r.fn === spec.name);
  return row ? row.path.replace(/:([A-Za-z]+)/g, 'x') : '/';
}

describe('the deployed archive of every HTTP function refuses bodies over its cap before reading them', () => {
  it.each(HTTP_FUNCTIONS.map((f) => [f.name, f] as const))('%s', async (_name, spec) => {
    const fn: DeployedFunction = await startArchive(spec, archives[spec.name]!);
    try {
      const idle = fn.rss();
      const flood = Buffer.alloc(30 * MiB, 0x20);
      const res = await post(`${fn.url}${bodyPathOf(spec)}`, { Origin: 'https://app.example.com', 'Content-Type': 'application/json', 'Content-Length': String(flood.length) }, flood);
      // a GraphQL route answers refusals in the body (docs/protocol.md §1)
      const code = res.status === 200 ? res.body?.errors?.[0]?.extensions?.code : res.body?.error;
      // with CORS headers, or a browser client could not read why it was refused
      expect({ status: res.status, contentType: res.contentType, code, allowOrigin: res.allowOrigin }).toEqual({
        status: bodyPathOf(spec) === '/graphql' ? 200 : 413,
        contentType: 'application/json',
        code: 'PAYLOAD_TOO_LARGE',
        allowOrigin: '*',
      });
      expect(res.ms).toBeLessThan(1000);
      // reading and parsing 30 MB costs hundreds of MB (docs/architecture.md §7); refusing it costs nothing
      expect(fn.peakRss() - idle).toBeLessThan(16 * MiB);
    } finally {
      await fn.stop();
    }
  });
});

describe('the deployed auth function', () => {
  let fn: DeployedFunction;
  beforeAll(async () => {
    fn = await startArchive(HTTP_FUNCTIONS.find((f) => f.name === 'auth')!, archives.auth!);
  });
  afterAll(async () => fn?.stop());

  it('answers malformed JSON with a JSON 400, not the framework’s HTML page', async () => {
    const res = await post(`${fn.url}/auth/login-s`, { Origin: 'https://app.example.com', 'Content-Type': 'application/json' }, Buffer.from('{"email": "a@example.com",'));
    expect({ status: res.status, contentType: res.contentType, error: res.body?.error, allowOrigin: res.allowOrigin }).toEqual({
      status: 400,
      contentType: 'application/json',
      error: 'VALIDATION_ERROR',
      allowOrigin: '*',
    });
  });
});

describe('the deployed sync function reads a body over 64 KiB only from a caller with a live session', () => {
  let h: FunctionHarness;
  let fn: DeployedFunction;
  let token: string;
  beforeAll(async () => {
    // the auth function in-process makes the account and its session, on the database the archive uses
    h = await startFunctions('auth');
    const account = await newAccount(`archive-${Date.now()}@example.com`, 'pass');
    expect((await h.http.post('/auth/signup', account.signupBody)).status).toBe(200);
    token = (await login(h.http, account.email, 'pass')).token!;
    fn = await startArchive(HTTP_FUNCTIONS.find((f) => f.name === 'sync')!, archives.sync!, { DATABASE_URL: h.db.appUrl });
  });
  afterAll(async () => {
    await fn?.stop();
    await h?.stop();
  });

  const graphql = (bytes: number) => Buffer.from(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(bytes) } }));

  it('refuses eight unauthenticated 8 MiB bodies sent at once with 401, without its memory moving', async () => {
    const idle = fn.rss();
    const body = graphql(8 * MiB - 100);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        post(`${fn.url}/graphql`, { 'Content-Type': 'application/json', 'Content-Length': String(body.length), ...(i % 2 ? { 'X-Session-Id': 'ab'.repeat(32) } : {}) }, body),
      ),
    );
    expect(answers.map((a) => [a.status, a.body?.errors?.[0]?.extensions?.code])).toEqual(Array.from({ length: 8 }, () => [200, 'UNAUTHORIZED']));
    // reading and parsing them would cost hundreds of MB (1.7 GB in the review)
    expect(fn.peakRss() - idle).toBeLessThan(16 * MiB);
  });

  it('reads and answers a 1 MiB body from a signed-in caller', async () => {
    const body = graphql(1 * MiB);
    const res = await post(`${fn.url}/graphql`, { 'Content-Type': 'application/json', 'Content-Length': String(body.length), 'X-Session-Id': token }, body);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
  });
});

describe('a body that trickles in', () => {
  let fn: DeployedFunction;
  beforeAll(async () => {
    // the request timeout is 60 s as deployed; a test cannot wait that long, so the knob makes it 500 ms
    fn = await startArchive(HTTP_FUNCTIONS.find((f) => f.name === 'auth')!, archives.auth!, { SOMNUS_REQUEST_TIMEOUT_MS: '500' });
  });
  afterAll(async () => fn?.stop());

  /** Sends headers, then one body byte every `everyMs` until the server closes; resolves with what was sent and received. */
  function trickle(headers: string, bodyBytes: number, everyMs: number): Promise<{ sent: number; received: string }> {
    const { port } = new URL(fn.url);
    return new Promise((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1');
      let sent = 0;
      let received = '';
      let timer: NodeJS.Timeout | undefined;
      socket.on('data', (d: Buffer) => void (received += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ sent, received });
      });
      socket.on('connect', () => {
        socket.write(headers);
        timer = setInterval(() => {
          if (sent >= bodyBytes || socket.destroyed) return clearInterval(timer);
          socket.write('x');
          sent += 1;
        }, everyMs);
      });
    });
  }

  it('has its connection closed with a 408 once the request timeout passes, not kept for Node’s 300 s', async () => {
    // 200 bytes at a byte per 50 ms: the whole body would take 10 s, twenty times the timeout
    const { sent, received } = await trickle(`POST /auth/login-s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`, 200, 50);
    expect(received.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(sent).toBeLessThan(200);
  });

  it('has its connection closed when the headers themselves trickle in', async () => {
    const { sent, received } = await trickle('POST /auth/login-s HTTP/1.1\r\nX-Slow: ', 10_000, 50);
    expect(received.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(sent).toBeLessThan(10_000);
  });
});

describe('the archive', () => {
  it('pins functions-framework to the exact version whose server the body guard wraps', () => {
    for (const spec of HTTP_FUNCTIONS) {
      const pkg = JSON.parse(fs.readFileSync(path.join(archives[spec.name]!, 'package.json'), 'utf8'));
      // a range would let the buildpack install a framework the guard was never tested with
      expect({ fn: spec.name, version: pkg.dependencies['@google-cloud/functions-framework'] }).toEqual({ fn: spec.name, version: '5.0.5' });
    }
  });
});
