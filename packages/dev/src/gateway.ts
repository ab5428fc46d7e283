import http from 'node:http';
import { ROUTES, matchRoute, openApiJson, type RouteDef } from '@somnus/models';
import { answerClientError } from '@somnus/runtime/src/body-guard';
export { loadFunctions } from './function-loader';

/**
* The local stand-in for the load balancer (docs/architecture.md §10): one http.Server that routes each request by the
 * shared route table to the function's in-process server, exactly as the URL map does in production.
 */

export type FunctionTarget = http.Server | http.RequestListener;

type FunctionName = string;

export interface GatewayOptions {
  /** Servers by function name; routes to a function that is not here answer 503. */
  functions: Partial<Record<FunctionName, FunctionTarget>>;
  routes?: readonly RouteDef[];
  /** One call per finished request (never with the query string, which may carry secrets). */
  onRequest?: (info: { method: string; path: string; fn: FunctionName | null; status: number; ms: number }) => void;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** JSON error in the shape every function uses (docs/protocol.md §1), with `Content-Type: application/json` exactly. */
export function sendJsonError(
  res: http.ServerResponse,
  status: number,
  error: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error, message });
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

function pathnameOf(url: string | undefined): string | null {
  try {
    return new URL(url ?? '/', 'http://gateway.invalid').pathname;
  } catch {
    return null;
  }
}

/** The API description, generated from the same route table the gateway routes by. */
export const OPENAPI_PATH = '/openapi.json';

export function createGateway(opts: GatewayOptions): http.Server {
  const routes = opts.routes ?? ROUTES;
  let openApi: Buffer | undefined;
  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const method = (req.method ?? 'GET').toUpperCase();
    const pathname = pathnameOf(req.url);
    let fn: FunctionName | null = null;
    if (opts.onRequest) {
      res.once('finish', () =>
        opts.onRequest!({
          method,
          path: pathname ?? '?',
          fn,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        }),
      );
    }
    if (pathname === null) {
      sendJsonError(res, 404, 'NOT_FOUND', 'No such endpoint');
      return;
    }
    if (pathname === OPENAPI_PATH && (method === 'GET' || method === 'HEAD')) {
      openApi ??= Buffer.from(openApiJson());
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(openApi.length), 'Cache-Control': 'no-cache' });
      res.end(method === 'HEAD' ? undefined : openApi);
      return;
    }
    // a CORS preflight goes to the function that serves the path, which answers it from its own rows
    const preflightOf = method === 'OPTIONS' ? METHODS.map((m) => matchRoute(m, pathname, routes)).find((m) => 'route' in m) : undefined;
    const match = preflightOf ?? matchRoute(method, pathname, routes);
    if (!('route' in match)) {
      if (match.methodMismatch) {
        const allow = METHODS.filter((m) => 'route' in matchRoute(m, pathname, routes));
        sendJsonError(res, 405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${pathname}`, { Allow: allow.join(', ') });
      } else {
        sendJsonError(res, 404, 'NOT_FOUND', `No endpoint at ${pathname}`);
      }
      return;
    }
    fn = match.route.fn;
    const target = opts.functions[fn];
    if (!target) {
      sendJsonError(res, 503, 'SERVICE_UNAVAILABLE', `Function ${fn} is not running`);
      return;
    }
    try {
      if (typeof target === 'function') target(req, res);
      else target.emit('request', req, res);
    } catch {
      sendJsonError(res, 500, 'INTERNAL', 'Internal error');
    }
  });
  // requests Node's parser refuses before routing are JSON errors too, as the functions answer them
  server.on('clientError', answerClientError);
  return server;
}

/** Listens on host:port and resolves with the bound address; rejects on EADDRINUSE and the like. */
export function listen(server: http.Server, port: number, host = '127.0.0.1'): Promise<{ port: number; url: string }> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolve({ port: bound, url: `http://${host}:${bound}` });
    });
  });
}

/** Closes a server, ending idle keep-alive connections at once and in-flight ones after graceMs. */
export function closeServer(server: http.Server, graceMs = 2000): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
