import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  ERROR_STATUS,
  matchRoute,
  routeKey,
  routesOf,
  type PathParams,
  type PublicFunctionName,
  type RouteKeyOf,
  type RoutesOf,
  type StaticAnswer,
} from '@somnus/models';
import { resolveActor } from './access';
import { answerPreflight, setCorsHeaders } from './cors';
import type { ActorFor, RequestMeta } from './actor';
import { clientIp, clientName, requestId } from './client-info';
import { quietFrameworkClientErrors } from './framework-errors';
import { graphqlErrorOf } from './graphql-error';
import { errorFacts, logger } from './logger';
import { sendError, sendJson, sendRedirect, sendStatic, setPageHeaders } from './respond';
import type { Result } from './result';
import { checkPathParams, DEFAULT_BODY_LIMIT, parseBody, parseValue, PATH_ID_FORMATS, pathParamNames } from './validate';

// Express (inside functions-framework) answers errors it raises itself, such as a malformed JSON body,
// with a stack trace unless NODE_ENV is production (functions-framework-nodejs#686). A function process
// is always production as far as that is concerned; this runs before the framework builds its app.
process.env.NODE_ENV = 'production';

type Parsed<R, K extends 'body' | 'query'> = R extends { [P in K]: z.ZodType } ? z.output<R[K]> : undefined;

/** What a handler gets: everything already checked against its route's contract. */
export interface HandlerInput<R extends { access: unknown; path: string }, D> {
  deps: D;
  actor: ActorFor<R['access'] & Parameters<typeof resolveActor>[1]>;
  body: Parsed<R, 'body'>;
  query: Parsed<R, 'query'>;
  params: Record<PathParams<R['path']>, string>;
  /**
   * The request's path as sent (percent-encoded, never decoded) and its query string with its `?` (or '').
   * Only a `static` row's handler reads them, to find the file under its wildcard; never log them (the
   * sign-in page's query carries the app's loginKey).
   */
  path: string;
  search: string;
  log: Logger;
}

/** A use case's result, optionally with a success status other than the route's (a replayed create: 200). */
export type HandlerOutput<T> = Result<T> & { status?: number };

type Handler<R extends { access: unknown; path: string; response: z.ZodType }, D> = (
  input: HandlerInput<R, D>,
) => Promise<HandlerOutput<z.input<R['response']>>>;

export type Handlers<F extends PublicFunctionName, D> = {
  [K in RouteKeyOf<RoutesOf<F>>]: Handler<Extract<RoutesOf<F>, { method: K extends `${infer M} ${string}` ? M : never; path: K extends `${string} ${infer P}` ? P : never }>, D>;
};

export interface FunctionDefinition<F extends PublicFunctionName, D extends { db: Pool }> {
  /** Built per request from config read at first use, so a test can point the function elsewhere. */
  deps: () => D;
  handlers: Handlers<F, D>;
}

/**
 * The single HTTP entry point of a public function, from its rows of the route table. Per request, in
 * this order: route match (404/405), the access check of the row (401/404/403), the query and body
 * against the row's schemas (400/413/415), then the handler. A failed Result becomes `{error, message}`
 * with the code's status; a throw is a bug and becomes a 500 that names the request id. The handler keys
 * must equal the function's rows, checked at load time, so the table and the code cannot drift.
 */
export function defineFunction<F extends PublicFunctionName, D extends { db: Pool }>(fn: F, def: FunctionDefinition<F, D>) {
  quietFrameworkClientErrors();
  const routes = routesOf(fn);
  const handlers = def.handlers as unknown as Record<string, (input: unknown) => Promise<HandlerOutput<unknown>>>;
  const expected = new Set(routes.map(routeKey));
  const given = new Set(Object.keys(handlers));
  const missing = [...expected].filter((k) => !given.has(k));
  const extra = [...given].filter((k) => !expected.has(k));
  if (missing.length || extra.length) {
    throw new Error(`function ${fn} does not match the route table: missing [${missing}] extra [${extra}]`);
  }
  // every path id is checked against its format before it reaches SQL: a new kind of id needs one
  const unformatted = routes.flatMap((r) => pathParamNames(r.path).filter((name) => !PATH_ID_FORMATS[name]).map((name) => `${routeKey(r)} :${name}`));
  if (unformatted.length) throw new Error(`function ${fn}: path parameters without an id format in PATH_ID_FORMATS (validate.ts): ${unformatted.join(', ')}`);

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
    let graphqlErrors = false;
    let redirects = false;
    let servesFiles = false;
    const answer = (result: HandlerOutput<unknown>, successStatus: number) => {
      if (result.ok && servesFiles) {
        const etag = req.headers['if-none-match'];
        status = sendStatic(res, result.value as StaticAnswer, typeof etag === 'string' ? etag : undefined);
      } else if (result.ok && redirects) {
        status = 302;
        sendRedirect(res, (result.value as { location: string }).location);
      } else if (result.ok) {
        status = result.status ?? successStatus;
        sendJson(res, status, result.value);
      } else if (graphqlErrors) {
        status = 200;
        errorCode = result.error;
        sendJson(res, status, { errors: [graphqlErrorOf(result)] }, result.headers);
      } else {
        status = ERROR_STATUS[result.error];
        errorCode = result.error;
        sendError(res, status, result.error, result.message, result.headers);
      }
    };
    try {
      setCorsHeaders(req, res);
      if (answerPreflight(req, res, path, routes)) {
        status = 204;
        route = 'preflight';
        return;
      }
      const match = matchRoute(req.method, path, routes);
      if (!('route' in match)) {
        return answer(
          match.methodMismatch
            ? { ok: false, error: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed on ${path}` }
            : { ok: false, error: 'NOT_FOUND', message: `No route for ${path}` },
          200,
        );
      }
      const row = match.route;
      route = row.path;
      graphqlErrors = 'errorFormat' in row && row.errorFormat === 'graphql';
      redirects = 'responseFormat' in row && row.responseFormat === 'redirect';
      servesFiles = 'responseFormat' in row && row.responseFormat === 'static';
      // a page's refusals (a 404, the 503 of an unbuilt app) are shown by the browser too: same headers
      if (servesFiles) setPageHeaders(res);
      let deps: D | undefined;
      const depsOnce = () => (deps ??= def.deps());
      const meta: RequestMeta = { requestId: id, ip: clientIp(req), client: clientName(req) };
      const actor = await resolveActor(() => depsOnce().db, row.access, req, match.params, meta);
      if (!actor.ok) return answer(actor, 200);
      const params = checkPathParams(match.params);
      if (!params.ok) return answer(params, 200);
      const query = 'query' in row ? parseValue(req.query, row.query, 'query') : { ok: true as const, value: undefined };
      if (!query.ok) return answer(query, 200);
      const body = 'body' in row ? parseBody(req, row.body, ('bodyLimit' in row ? row.bodyLimit : undefined) ?? DEFAULT_BODY_LIMIT) : { ok: true as const, value: undefined };
      if (!body.ok) return answer(body, 200);
      const handler = handlers[routeKey(row)]!;
      const search = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      const result = await handler({ deps: depsOnce(), actor: actor.value, body: body.value, query: query.value, params: match.params, path, search, log });
      answer(result, 'status' in row ? row.status : 200);
    } catch (err) {
      status = 500;
      errorCode = 'INTERNAL';
      // the message of an unexpected error may quote data; log its class and stack only
      log.error({ err: errorFacts(err) }, 'unhandled error');
      if (!res.headersSent) sendError(res, 500, 'INTERNAL', `Internal error (request ${id})`);
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.info({ method: req.method, route, status, errorCode, ms: Math.round(ms * 10) / 10 }, 'request');
    }
  };
}
