import type http from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { getPool } from '@somnus/db';
import { ERROR_STATUS, matchRoute, ROUTES, type ErrorBody, type ErrorCode, type RouteContract } from '@somnus/models';
import { liveSessionOf } from './access';
import { serverTimeouts } from './config';
import { setCorsHeaders } from './cors';
import { graphqlErrorOf } from './graphql-error';
import { errorFacts, logger } from './logger';
import { DEFAULT_BODY_LIMIT } from './validate';

/**
 * Every function's body limit, enforced before functions-framework reads a byte (docs/architecture.md §3, §7).
 *
 * functions-framework 5.0.5 builds an Express app whose body parsers accept 1024 MB, hard-coded, and runs
 * them before any code of ours: a 30 MB JSON body was parsed whole, with the event loop blocked for
 * seconds and hundreds of MB of heap, before the router could answer 413. It takes no option for that
 * limit, and GCP's Node.js buildpack starts it from the deployed package.json, so the limit has to come
 * with the function itself. The framework loads the function's module before it builds its server (its
 * main loads the user function, then calls `getServer`), so the module can wrap `getServer` at load: every
 * server the framework builds afterwards — the deployed one, and the in-process ones of the tests and the
 * local gateway (`getTestServer`) — first passes each request through `admit`:
 *
 * - the cap is the route's `bodyLimit` (64 KiB by default, the sync route's batch limit where larger),
 *   found in the same route table the router and the load balancer use;
 * - a body larger than the default 64 KiB, on a route that is not public, is read only for a caller with a
 *   live session: the session is looked up first (one query, as the router's access check does it), and
 *   without one the answer is 401 before the body is read. Otherwise anyone could make the sync function
 *   read and parse 8 MiB per request (eight at once: 1.7 GB and a stalled event loop) only to be told
 *   afterwards that they are not signed in. A declared `Content-Length` up to 64 KiB needs no lookup; a
 *   chunked body is looked up for when what is held first crosses 64 KiB;
 * - a compressed body (`Content-Encoding`) is refused (415): its size says nothing of what it inflates to;
 * - a `Content-Length` over the cap is refused (413) before the body is read;
 * - a chunked body is held, byte-counted, until it ends; over the cap, reading stops and the request is
 *   refused (413); the framework sees it only once it is known to fit;
 * - whatever the framework itself refuses afterwards (malformed JSON, an undecodable path) is answered as
 *   `{error, message}` here instead of Express's HTML page.
 *
 * Refusals have the route's error format (GraphQL routes answer `200 {errors}`, docs/protocol.md §1) and
 * close the connection, so the rest of a refused body is never read.
 */

type FrameworkDone = (err?: unknown) => void;
type FrameworkListener = (req: http.IncomingMessage, res: http.ServerResponse, done: FrameworkDone) => void;
interface FrameworkServerModule {
  getServer: (userFunction: unknown, options: unknown) => http.Server;
}

const GUARDED = Symbol.for('somnus.bodyGuard');

/** functions-framework's server module, as the framework itself loaded it (the same module instance). */
function frameworkServerModule(): FrameworkServerModule {
  // its package exports do not list build/src/server.js; its entry file sits next to it
  const entry = require.resolve('@google-cloud/functions-framework');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod: unknown = require(path.join(path.dirname(entry), 'server.js'));
  if (typeof mod !== 'object' || mod === null || typeof (mod as Partial<FrameworkServerModule>).getServer !== 'function') {
    // refusing to start beats serving without a body limit
    throw new Error('functions-framework has no getServer in build/src/server.js: the body guard cannot be installed');
  }
  return mod as FrameworkServerModule;
}

/**
 * Installs the guard for every server functions-framework builds from now on. Called at module load
 * through quietFrameworkClientErrors, which every function wrapper calls (defineFunction,
 * defineEventFunction, the maintenance function); the framework loads the function before it builds its
 * server. Idempotent.
 */
export function guardFrameworkBodies(): void {
  const mod = frameworkServerModule();
  const current = mod.getServer as FrameworkServerModule['getServer'] & { [GUARDED]?: true };
  if (current[GUARDED]) return;
  const guarded = Object.assign((userFunction: unknown, options: unknown) => guardServer(current(userFunction, options)), { [GUARDED]: true as const });
  mod.getServer = guarded;
}

/**
 * Puts `admit` in front of the server's request listeners (the framework's Express app), and bounds how
 * long a request may take to arrive: Node's default lets a body trickling in at a byte a second hold its
 * connection for 300 s. The request timeout (60 s: the largest body, 8 MiB, over a link of about
 * 1.2 Mbit/s; config.ts `serverTimeouts`) ends such a connection with a 408 (answerClientError); it counts
 * until the request has arrived whole, never while the function works on it. Node checks the timeouts every
 * `connectionsCheckingInterval` (30 s by default, read when the server starts listening), so the check runs
 * often enough for the timeout to mean what it says.
 */
export function guardServer(server: http.Server): http.Server {
  const timeouts = serverTimeouts();
  server.requestTimeout = timeouts.requestTimeoutMs;
  server.headersTimeout = timeouts.headersTimeoutMs;
  (server as http.Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(50, Math.min(30_000, Math.floor(timeouts.headersTimeoutMs / 4)));
  const listeners = server.listeners('request') as FrameworkListener[];
  server.removeAllListeners('request');
  server.on('clientError', answerClientError);
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) =>
    admit(req, res, () => {
      // with a `done` callback Express reports what it refuses to us instead of rendering its HTML page
      for (const listener of listeners) listener.call(server, req, res, (err) => frameworkRefused(req, res, err));
    }),
  );
  return server;
}

/**
 * Node's HTTP parser refuses some requests before any listener sees them — a request line that is not
 * HTTP, a request target that is not a path, headers over its limit — and by default answers a bare 400
 * with no body. Here that is `400 {error, message}` as JSON, like every other refusal (docs/architecture.md
 * §8). Used by every guarded server and by the local gateway, which receives the connections locally.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    // an answer already under way (a refusal lingering) cannot take a second one in the middle
    if ((socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    return;
  }
  const message = err.code === 'HPE_HEADER_OVERFLOW' ? 'Request headers are too large' : 'Malformed HTTP request';
  const body = JSON.stringify({ error: 'VALIDATION_ERROR', message } satisfies ErrorBody);
  // the parser's code only: the raw bytes it refused may carry anything
  logger().info({ event: 'request_refused_by_parser', status: 400, code: err.code }, 'request');
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

interface Target {
  row: RouteContract | null;
  cap: number;
}

function targetOf(req: http.IncomingMessage): Target {
  const pathname = (req.url ?? '/').split('?')[0] || '/';
  const match = matchRoute(req.method ?? 'GET', pathname, ROUTES);
  if (!('route' in match)) return { row: null, cap: DEFAULT_BODY_LIMIT };
  const row: RouteContract = match.route;
  return { row, cap: row.bodyLimit ?? DEFAULT_BODY_LIMIT };
}

const tooLarge = (cap: number): [ErrorCode, string] => ['PAYLOAD_TOO_LARGE', `Request body is larger than ${cap} bytes`];

/** Whether a body of more than `DEFAULT_BODY_LIMIT` bytes may be read only for a caller with a live session. */
const needsSessionForLargeBody = (target: Target): boolean => target.cap > DEFAULT_BODY_LIMIT && target.row !== null && target.row.access !== 'public';

type SessionCheck = { ok: true } | { ok: false; code: ErrorCode; message: string };

/**
 * The caller's live session, looked up as the router's access check does (access.ts). The router checks
 * it again afterwards, with the rest of the route's access rule: this only decides whether the body is read.
 */
async function checkSession(req: http.IncomingMessage): Promise<SessionCheck> {
  try {
    const live = await liveSessionOf(getPool(), req);
    return live.ok ? { ok: true } : { ok: false, code: live.error, message: live.message };
  } catch (err) {
    logger().error({ err: errorFacts(err) }, 'session lookup before reading a body failed');
    return { ok: false, code: 'INTERNAL', message: 'Internal error' };
  }
}

/** Lets the request through to the framework only once its body is known to fit the route's cap. */
function admit(req: http.IncomingMessage, res: http.ServerResponse, dispatch: () => void): void {
  const started = process.hrtime.bigint();
  const target = targetOf(req);
  const refuse = (code: ErrorCode, message: string) => refuseBeforeReading(req, res, target, code, message, started);
  let sessionChecked = !needsSessionForLargeBody(target);

  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') return refuse('UNSUPPORTED_MEDIA_TYPE', 'Content-Encoding is not accepted: send the body uncompressed');

  const chunked = req.headers['transfer-encoding'] !== undefined;
  const declared = req.headers['content-length'];
  if (!chunked) {
    // Node's parser delivers exactly Content-Length bytes, so the header is the size; no header, no body
    if (declared !== undefined && !/^\d+$/.test(declared)) return refuse('VALIDATION_ERROR', 'Content-Length is not a number');
    const size = declared === undefined ? 0 : Number(declared);
    if (size > target.cap) return refuse(...tooLarge(target.cap));
    if (sessionChecked || size <= DEFAULT_BODY_LIMIT) return dispatch();
    // Nobody reads the request while the lookup runs: Node's parser stops at the stream's buffer (16 KiB)
    void checkSession(req).then((session) => (session.ok ? dispatch() : refuse(session.code, session.message)));
    return;
  }

  // Chunked: the parser pushes each piece into the request stream; hold them back, counting, until the
  // end. Nothing reaches the framework's parsers until the whole body is known to fit. When what is held
  // first crosses the default limit on a route that needs a session for that, reading pauses (the pieces
  // are kept) until the session is found, and stops for good if it is not.
  const held: Buffer[] = [];
  let size = 0;
  let refused = false;
  let checking = false;
  let ended = false;
  const release = () => {
    // restores the stream's own push, then replays the body to whoever reads it
    delete (req as { push?: unknown }).push;
    dispatch();
    for (const piece of held) req.push(piece);
    req.push(null);
  };
  const refuseHeld = (code: ErrorCode, message: string) => {
    refused = true;
    held.length = 0;
    refuse(code, message);
  };
  req.push = (chunk: unknown): boolean => {
    if (refused) return false;
    if (chunk === null) {
      if (checking) {
        ended = true;
        return false;
      }
      release();
      return false;
    }
    const piece = chunk as Buffer;
    size += piece.length;
    if (size > target.cap) {
      refuseHeld(...tooLarge(target.cap));
      // false makes the parser stop reading the socket: the rest of the body stays unread
      return false;
    }
    held.push(piece);
    if (!sessionChecked && size > DEFAULT_BODY_LIMIT) {
      sessionChecked = true;
      checking = true;
      void checkSession(req).then((session) => {
        checking = false;
        if (refused) return;
        if (!session.ok) return refuseHeld(session.code, session.message);
        if (ended) return release();
        // the parser stopped reading the socket when push said false: reading goes on
        req.socket.resume();
      });
    }
    // false while the lookup runs: the parser stops reading the socket (what it already has is still pushed)
    return !checking;
  };
}

function errorPayload(row: RouteContract | null, code: ErrorCode, message: string): { status: number; body: unknown } {
  // a GraphQL route refuses in the body, as its router does (docs/protocol.md §1)
  if (row?.errorFormat === 'graphql') return { status: 200, body: { errors: [graphqlErrorOf({ error: code, message })] } };
  const body: ErrorBody = { error: code, message };
  return { status: ERROR_STATUS[code], body };
}

/**
 * How long a refusal of an unread body keeps its connection before closing it. Closing a socket with unread
 * bytes sends a reset, and a client still sending would lose the answer with it; so the answer goes out
 * complete, nothing more is read (the parser has stopped, or stops at the socket's buffer), and the
 * connection is closed only after this, or earlier when the client closes it.
 */
const LINGER_MS = 1000;

/** Writes the refusal with `Content-Type: application/json` exactly (docs/architecture.md §8), on the raw response. */
function writeJson(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: unknown, unreadBody: boolean): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const payload = Buffer.from(JSON.stringify(body));
  res.statusCode = status;
  setCorsHeaders(req, res);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', String(payload.length));
  res.setHeader('Cache-Control', 'no-store');
  if (!unreadBody) {
    res.end(payload);
    return;
  }
  res.setHeader('Connection', 'close');
  // The answer is complete on the wire (its Content-Length is sent); ending the response now would make
  // Node read off and discard the rest of the body, then reset the connection under the client.
  res.write(payload);
  const linger = setTimeout(() => res.end(), LINGER_MS);
  linger.unref();
  res.once('close', () => clearTimeout(linger));
}

function logRefusal(target: Target, req: http.IncomingMessage, status: number, errorCode: ErrorCode, started: bigint, extra: Record<string, unknown> = {}): void {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // the route pattern, never the path (it can carry ids), and nothing of the body or headers
  logger().info(
    { fn: target.row?.fn, method: req.method, route: target.row?.path ?? 'unmatched', status, errorCode, ms: Math.round(ms * 10) / 10, ...extra },
    'request',
  );
}

function refuseBeforeReading(req: http.IncomingMessage, res: http.ServerResponse, target: Target, code: ErrorCode, message: string, started: bigint): void {
  const { status, body } = errorPayload(target.row, code, message);
  writeJson(req, res, status, body, true);
  logRefusal(target, req, status, code, started, { event: 'request_refused_before_reading' });
}

/** What Express's own layers (the body parsers, the path decoder) refused, as an error of ours. */
function frameworkRefused(req: http.IncomingMessage, res: http.ServerResponse, err: unknown): void {
  const started = process.hrtime.bigint();
  const target = targetOf(req);
  const e = (err ?? {}) as { status?: unknown; statusCode?: unknown; type?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : err === undefined ? 404 : 500;
  const type = typeof e.type === 'string' ? e.type : err instanceof Error ? err.name : 'none';
  let code: ErrorCode;
  let message: string;
  if (status === 404) [code, message] = ['NOT_FOUND', 'No such endpoint'];
  else if (status === 413) [code, message] = tooLarge(target.cap);
  else if (status === 415) [code, message] = ['UNSUPPORTED_MEDIA_TYPE', 'Request body must be UTF-8 JSON sent as Content-Type: application/json'];
  else if (type === 'entity.parse.failed') [code, message] = ['VALIDATION_ERROR', 'Request body is not valid JSON'];
  else if (status >= 400 && status < 500) [code, message] = ['VALIDATION_ERROR', 'Malformed request'];
  else {
    [code, message] = ['INTERNAL', 'Internal error'];
    // never the message: it can quote what the client sent
    logger().error({ err: errorFacts(err) }, 'framework error');
  }
  const answer = errorPayload(target.row, code, message);
  writeJson(req, res, answer.status, answer.body, false);
  // the event name framework-errors.ts gives the refusals Express reports through console.error
  logRefusal(target, req, answer.status, code, started, { event: 'request_refused_by_framework', type });
}
