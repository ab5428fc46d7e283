import type { Request, Response } from 'express';
import { matchRoute, routesOf, type FunctionName, type HttpMethod } from '@somnus/models';
import { clientIp, clientName, requestId } from './client-info';
import { HttpError } from './http-error';
import { logger } from './logger';
import { sendError, sendJson } from './respond';
import type { Logger } from 'pino';

// Express (inside functions-framework) answers errors it raises itself, such as a malformed JSON body,
// with a stack trace unless NODE_ENV is production (functions-framework-nodejs#686). A function process
// is always production as far as that is concerned; this runs before the framework builds its app.
process.env.NODE_ENV = 'production';

export interface RequestContext {
  req: Request;
  params: Record<string, string>;
  requestId: string;
  ip: string | null;
  client: string | null;
  log: Logger;
}

export interface HandlerResult {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (ctx: RequestContext) => Promise<HandlerResult>;
export type RouteKey = `${HttpMethod} ${string}`;

/**
 * Builds the single HTTP entry point of a function from its handlers. The handler keys must equal the
 * function's rows of the route table, checked at load time, so the table and the code cannot drift.
 */
export function defineFunction(fn: FunctionName, handlers: Record<RouteKey, RouteHandler>) {
  const routes = routesOf(fn);
  const expected = new Set(routes.map((r) => `${r.method} ${r.path}`));
  const given = new Set(Object.keys(handlers));
  const missing = [...expected].filter((k) => !given.has(k));
  const extra = [...given].filter((k) => !expected.has(k));
  if (missing.length || extra.length) {
    throw new Error(`function ${fn} does not match the route table: missing [${missing}] extra [${extra}]`);
  }

  return async function handle(req: Request, res: Response): Promise<void> {
    const started = process.hrtime.bigint();
    const id = requestId(req);
    const log = logger().child({ fn, requestId: id });
    const path = (req.path || req.url.split('?')[0]) ?? '/';
    res.setHeader('X-Request-Id', id);
    let status = 500;
    let errorCode: string | undefined;
    // the route pattern, not the concrete path: paths can carry ids that do not belong in logs
    let route = 'unmatched';
    try {
      const match = matchRoute(req.method, path, routes);
      if (!('route' in match)) {
        throw match.methodMismatch
          ? new HttpError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}`)
          : new HttpError('NOT_FOUND', `No route for ${path}`);
      }
      route = match.route.path;
      const handler = handlers[`${match.route.method} ${match.route.path}` as RouteKey]!;
      const result = await handler({ req, params: match.params, requestId: id, ip: clientIp(req), client: clientName(req), log });
      status = result.status ?? 200;
      sendJson(res, status, result.body, result.headers);
    } catch (err) {
      if (err instanceof HttpError) {
        status = err.status;
        errorCode = err.code;
        sendError(res, err.status, err.code, err.message, err.headers);
      } else {
        status = 500;
        errorCode = 'INTERNAL';
        // the message of an unexpected error may quote data; log its class and stack only
        log.error({ err: { type: (err as Error)?.name, stack: (err as Error)?.stack } }, 'unhandled error');
        if (!res.headersSent) sendError(res, 500, 'INTERNAL', `Internal error (request ${id})`);
      }
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.info({ method: req.method, route, status, errorCode, ms: Math.round(ms * 10) / 10 }, 'request');
    }
  };
}
