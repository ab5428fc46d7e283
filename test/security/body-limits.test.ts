import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type net from 'node:net';
import { gzipSync } from 'node:zlib';
import { closeServer, createGateway, listen } from '@somnus/dev/src/gateway';
import { loadFunctions } from '@somnus/dev/src/function-loader';
import { closePools } from '@somnus/db';
import { resetConfig } from '@somnus/runtime';
import { login, newAccount } from '../support/accounts';
import { api } from '../support/api';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { rawRequest, type RawAnswer } from '../support/raw-http';
import { startTestSmtp, type SmtpSink } from '../support/smtp';

/**
 * No request makes a function read or parse more than its route's body cap (docs/architecture.md §3, §7):
 * 64 KiB by default, the sync route's 8 MiB batch limit on POST /graphql. functions-framework would
 * read up to 1024 MB before our code runs; the body guard in front of its server refuses a declared
 * Content-Length over the cap before reading, cuts a chunked body off once it passes the cap, and
 * answers what the framework itself refuses (malformed JSON, an undecodable path) as `{error, message}`.
 * Each case is tried on the function's own server and through the local gateway, which hands its
 * requests to the same servers (the deployed archive is checked in infra/test/body-limit.test.ts).
 */

const KiB = 1024;
const MiB = 1024 * KiB;
const CAP = 64 * KiB;
const SYNC_CAP = 8 * MiB;

let db: TestDatabase;
let smtp: SmtpSink;
/** A signed-in caller's session token: large bodies on routes that are not public are read only for one. */
let token: string;
let servers: Record<'auth' | 'sync', http.Server>;
let gateway: http.Server;
const urls: Record<string, { auth: string; sync: string }> = {};
/** Every connection the servers accepted, newest last, to see how much of a body was read. */
const accepted: net.Socket[] = [];

beforeAll(async () => {
  // nothing here should reach the database; the functions still get one, as deployed
  db = await createTestDatabase();
  process.env.DATABASE_URL = db.appUrl;
  process.env.SOMNUS_SERVER_SECRET = randomBytes(32).toString('hex');
  smtp = await startTestSmtp();
  process.env.SMTP_URL = smtp.url;
  resetConfig();
  servers = loadFunctions(['auth', 'sync']);
  for (const s of Object.values(servers)) s.on('connection', (c: net.Socket) => accepted.push(c));
  const auth = await listen(servers.auth, 0);
  const sync = await listen(servers.sync, 0);
  gateway = createGateway({ functions: servers });
  gateway.on('connection', (c: net.Socket) => accepted.push(c));
  const gw = await listen(gateway, 0);
  urls['function server'] = { auth: auth.url, sync: sync.url };
  urls.gateway = { auth: gw.url, sync: gw.url };
  const account = await newAccount(`bodies-${randomBytes(4).toString('hex')}@example.com`, 'pass');
  expect((await api(auth.url).post('/auth/signup', account.signupBody)).status).toBe(200);
  token = (await login(api(auth.url), account.email, 'pass')).token!;
});
afterAll(async () => {
  await closeServer(gateway, 0);
  await Promise.all(Object.values(servers).map((s) => closeServer(s, 0)));
  await closePools();
  await smtp?.stop();
  await db?.drop();
});

/** Bytes the server side read from the newest connection, once it is closed. */
async function bytesReadByServer(): Promise<number> {
  const socket = accepted[accepted.length - 1]!;
  if (!socket.destroyed) await new Promise((r) => socket.once('close', r));
  return socket.bytesRead;
}

function expectJsonError(res: RawAnswer, status: number, error: string): void {
  expect({ status: res.status, contentType: res.headers['content-type'], error: (res.body as { error?: unknown }).error }).toEqual({
    status,
    contentType: 'application/json',
    error,
  });
  expect(typeof (res.body as { message?: unknown }).message).toBe('string');
}

/** A JSON body of exactly `size` bytes that the login-s schema refuses (an email far too long). */
function jsonOfSize(size: number): Buffer {
  const head = '{"email":"';
  const tail = '@example.com"}';
  return Buffer.from(head + 'a'.repeat(size - head.length - tail.length) + tail);
}

describe.each(['function server', 'gateway'])('through the %s', (via) => {
  const url = (fn: 'auth' | 'sync') => urls[via]![fn];

  it('refuses a Content-Length over the cap before the body is sent, and reads nothing of it', async () => {
    // headers only: a server that waited for the 30 MB would never answer
    const res = await rawRequest(url('auth'), { method: 'POST', path: '/auth/login-s', headers: { 'Content-Type': 'application/json', 'Content-Length': String(30 * MiB) } });
    expectJsonError(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(res.headers.connection).toBe('close');
    expect(await bytesReadByServer()).toBeLessThan(4 * KiB);
  });

  it('answers a client that sends a 30 MB body anyway, having read little of it', async () => {
    const res = await rawRequest(url('auth'), {
      method: 'POST',
      path: '/auth/login-s',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(30 * MiB) },
      body: Buffer.alloc(30 * MiB, 0x20),
    });
    expectJsonError(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(await bytesReadByServer()).toBeLessThan(2 * MiB);
  });

  it('cuts a chunked body off once it passes the cap: 413, and the rest is never read', async () => {
    const res = await rawRequest(url('auth'), { method: 'POST', path: '/auth/login-s', headers: { 'Content-Type': 'application/json' }, chunked: { total: 30 * MiB } });
    expectJsonError(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(res.sentBeforeAnswer).toBeLessThan(30 * MiB);
    // the cap, plus what the socket had buffered when reading stopped
    expect(await bytesReadByServer()).toBeLessThan(CAP + 1 * MiB);
  });

  it.each([
    ['with Content-Length', false],
    ['chunked', true],
  ])('reads a body of exactly the cap (%s) and validates it; one byte more is 413', async (_how, chunked) => {
    const send = (body: Buffer) =>
      chunked
        ? rawRequest(url('auth'), { method: 'POST', path: '/auth/login-s', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }, body: Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]) })
        : rawRequest(url('auth'), { method: 'POST', path: '/auth/login-s', headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) }, body });
    const atCap = await send(jsonOfSize(CAP));
    // read, parsed and refused by the route's schema, not by size
    expectJsonError(atCap, 400, 'VALIDATION_ERROR');
    expect((atCap.body as { message: string }).message).toMatch(/email/);
    expectJsonError(await send(jsonOfSize(CAP + 1)), 413, 'PAYLOAD_TOO_LARGE');
  });

  const graphqlCode = (res: RawAnswer) => (res.body as { errors?: Array<{ extensions: { code: string } }> }).errors?.[0]?.extensions.code;

  it('lets the sync route take bodies up to its own cap from a signed-in caller, and refuses beyond it in the GraphQL format', async () => {
    const big = Buffer.from(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(2 * MiB) } }));
    const within = await rawRequest(url('sync'), { method: 'POST', path: '/graphql', headers: { 'Content-Type': 'application/json', 'Content-Length': String(big.length), 'X-Session-Id': token }, body: big });
    // over the default cap but within the route's: read, parsed and answered
    expect({ status: within.status, contentType: within.headers['content-type'], errors: (within.body as { errors?: unknown }).errors }).toEqual({ status: 200, contentType: 'application/json', errors: undefined });
    expect(await bytesReadByServer()).toBeGreaterThan(2 * MiB);
    const over = await rawRequest(url('sync'), { method: 'POST', path: '/graphql', headers: { 'Content-Type': 'application/json', 'Content-Length': String(SYNC_CAP + 1), 'X-Session-Id': token } });
    expect({ status: over.status, contentType: over.headers['content-type'] }).toEqual({ status: 200, contentType: 'application/json' });
    expect(graphqlCode(over)).toBe('PAYLOAD_TOO_LARGE');
    expect(await bytesReadByServer()).toBeLessThan(4 * KiB);
  });

  it.each([
    ['no session', {}],
    ['a made-up session', { 'X-Session-Id': 'ab'.repeat(32) }],
    ['a made-up bearer token', { Authorization: `Bearer ${'cd'.repeat(32)}` }],
  ])('reads nothing of a body over 64 KiB on a route that is not public without a live session (%s): 401 first', async (_who, auth) => {
    const big = Buffer.from(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(SYNC_CAP - 100) } }));
    const res = await rawRequest(url('sync'), { method: 'POST', path: '/graphql', headers: { 'Content-Type': 'application/json', 'Content-Length': String(big.length), ...auth }, body: big });
    expect({ status: res.status, contentType: res.headers['content-type'], code: graphqlCode(res) }).toEqual({ status: 200, contentType: 'application/json', code: 'UNAUTHORIZED' });
    expect(res.headers.connection).toBe('close');
    // the headers and what the socket had buffered, not the 8 MiB
    expect(await bytesReadByServer()).toBeLessThan(2 * MiB);
  });

  it('holds a chunked body at 64 KiB until the session is found: without one, 401 and the rest is never read', async () => {
    const res = await rawRequest(url('sync'), { method: 'POST', path: '/graphql', headers: { 'Content-Type': 'application/json' }, chunked: { total: SYNC_CAP } });
    expect(graphqlCode(res)).toBe('UNAUTHORIZED');
    expect(res.sentBeforeAnswer).toBeLessThan(SYNC_CAP);
    expect(await bytesReadByServer()).toBeLessThan(CAP + 1 * MiB);
  });

  it('reads a chunked body over 64 KiB from a signed-in caller once the session is found', async () => {
    const body = Buffer.from(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1 * MiB) } }));
    const chunks: Buffer[] = [];
    // pieces of 16 KiB, as a streaming client sends them: the lookup starts in the middle of the body
    for (let at = 0; at < body.length; at += 16 * KiB) {
      const piece = body.subarray(at, at + 16 * KiB);
      chunks.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
    }
    chunks.push(Buffer.from('0\r\n\r\n'));
    const res = await rawRequest(url('sync'), { method: 'POST', path: '/graphql', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'X-Session-Id': token }, body: Buffer.concat(chunks) });
    expect({ status: res.status, errors: (res.body as { errors?: unknown }).errors, data: (res.body as { data?: unknown }).data }).toEqual({ status: 200, errors: undefined, data: { __typename: 'Query' } });
  });

  it('needs no session for a body within 64 KiB: the router answers for the session as usual', async () => {
    const small = Buffer.from(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(CAP - 100) } }));
    const res = await rawRequest(url('sync'), { method: 'POST', path: '/graphql', headers: { 'Content-Type': 'application/json', 'Content-Length': String(small.length) }, body: small });
    expect(graphqlCode(res)).toBe('UNAUTHORIZED');
    // read whole: the refusal came from the router, after the body
    expect(await bytesReadByServer()).toBeGreaterThan(small.length);
  });

  it('refuses a compressed body, whose size says nothing of what it inflates to', async () => {
    // 16 MB of zeros gzip to 16 KB
    const bomb = gzipSync(Buffer.alloc(16 * MiB));
    const res = await rawRequest(url('auth'), {
      method: 'POST',
      path: '/auth/login-s',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': String(bomb.length) },
      body: bomb,
    });
    expectJsonError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers malformed JSON with a JSON 400 that quotes nothing of the body', async () => {
    const res = await api(url('auth')).post('/auth/signup', '{"email": "x@example.com", "secret": hunter2', { 'Content-Type': 'application/json' });
    expect({ status: res.status, contentType: res.contentType, error: res.body.error }).toEqual({ status: 400, contentType: 'application/json', error: 'VALIDATION_ERROR' });
    expect(res.text).not.toMatch(/hunter2|SyntaxError|node_modules/);
  });

  it('answers a request Node’s parser refuses (a target that is not a path) with a JSON 400', async () => {
    const res = await rawRequest(url('auth'), { method: 'GET', path: '%2Fauth%2Fwhoami' });
    expectJsonError(res, 400, 'VALIDATION_ERROR');
  });

  it('answers a path the framework cannot decode with a JSON 400', async () => {
    const res = await rawRequest(url('auth'), { method: 'DELETE', path: '/v1/user/sessions/%E0%A4%A' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers['content-type']).toBe('application/json');
    expect(typeof (res.body as { error?: unknown }).error).toBe('string');
  });
});
