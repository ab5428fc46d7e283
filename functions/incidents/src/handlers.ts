import type { Request, Response } from 'express';
import { createIncidentBody, ERROR_STATUS, INCIDENT_ID, listIncidentsQuery } from '@somnus/models';
import { errorFacts, logger, parseBody, parseValue, quietFrameworkClientErrors, requestId, sendError, sendJson, type Result } from '@somnus/runtime';
import { incidentsDeps } from './deps';
import { verifyOperator } from './operator-auth';
import type { Operator } from './operator';
import { createIncident } from './use-cases/create-incident';
import { dispatch } from './use-cases/dispatch';
import { getIncident } from './use-cases/get-incident';
import { listIncidents } from './use-cases/list-incidents';
import { retryFailed } from './use-cases/retry-failed';

quietFrameworkClientErrors();

type Handler = (req: Request, operator: Operator, params: Record<string, string>) => Promise<Result<unknown>>;

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  name: string;
  status?: number;
  /** The sweeper's identity may call it too (operator-auth.ts); every other route is for operators only. */
  sweeper?: true;
  handler: Handler;
}

/**
 * The private routes of `incidents` (shapes in packages/models/src/incidents.ts). Not in ROUTES: this
 * function is never behind the load balancer; operators call its own URL.
 */
const ROUTES_OF_INCIDENTS: Route[] = [
  {
    method: 'POST',
    pattern: /^\/ops\/incidents$/,
    name: 'POST /ops/incidents',
    // 201 recorded, 200 recorded before (same key, same content); 400 VALIDATION_ERROR, 409 CONFLICT (same key, other content)
    handler: async (req, op) => {
      const body = parseBody(req, createIncidentBody);
      if (!body.ok) return body;
      const r = await createIncident(incidentsDeps(), op, body.value);
      return r;
    },
  },
  {
    method: 'GET',
    pattern: /^\/ops\/incidents$/,
    name: 'GET /ops/incidents',
    handler: async (req, op) => {
      const q = parseValue(req.query, listIncidentsQuery, 'query');
      if (!q.ok) return q;
      return listIncidents(incidentsDeps(), op, q.value);
    },
  },
  {
    method: 'GET',
    pattern: /^\/ops\/incidents\/(?<id>[^/]+)$/,
    name: 'GET /ops/incidents/:id',
    handler: (_req, op, p) => getIncident(incidentsDeps(), op, { id: p.id! }),
  },
  {
    method: 'POST',
    pattern: /^\/ops\/incidents\/(?<id>[^/]+)\/retry-failed$/,
    name: 'POST /ops/incidents/:id/retry-failed',
    handler: (_req, op, p) => retryFailed(incidentsDeps(), op, { id: p.id! }),
  },
  {
    method: 'POST',
    pattern: /^\/ops\/outbox\/dispatch$/,
    name: 'POST /ops/outbox/dispatch',
    sweeper: true,
    handler: (_req, op) => dispatch(incidentsDeps(), op),
  },
];

/**
 * Entry point of `incidents`. Every request needs an operator token first (401 otherwise, whatever the
 * path); then the route, the input, the use case. One JSON log line per request with the route's name,
 * the operator and the outcome, never a body.
 */
export async function handleIncidents(req: Request, res: Response): Promise<void> {
  const started = process.hrtime.bigint();
  const id = requestId(req);
  const log = logger().child({ fn: 'incidents', requestId: id });
  let route = 'unmatched';
  let operator: string | undefined;
  let status = 500;
  let errorCode: string | undefined;
  const answerError = (s: number, code: Parameters<typeof sendError>[2], message: string, headers?: Record<string, string>) => {
    status = s;
    errorCode = code;
    sendError(res, s, code, message, headers);
  };
  try {
    const auth = await verifyOperator(req.headers.authorization);
    if (!auth.ok) {
      log.warn({ event: 'operator_refused', reason: auth.reason }, 'operator token refused');
      return answerError(401, 'UNAUTHORIZED', 'An operator token is required');
    }
    operator = auth.email;
    const path = (req.path || req.url.split('?')[0]) ?? '/';
    const candidates = ROUTES_OF_INCIDENTS.filter((r) => r.pattern.test(path));
    if (candidates.length === 0) return answerError(404, 'NOT_FOUND', 'No such endpoint');
    const match = candidates.find((r) => r.method === req.method);
    if (!match) {
      const allow = [...new Set(candidates.map((r) => r.method))].join(', ');
      return answerError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, { Allow: allow });
    }
    route = match.name;
    if (auth.role !== 'operator' && !match.sweeper) return answerError(403, 'FORBIDDEN', 'The sweeper may only dispatch the outbox');
    const params = { ...(match.pattern.exec(path)!.groups ?? {}) };
    if (params.id !== undefined && !INCIDENT_ID.test(params.id)) return answerError(404, 'NOT_FOUND', 'No such incident');
    const result = await match.handler(req, { email: auth.email }, params);
    if (!result.ok) return answerError(ERROR_STATUS[result.error], result.error, result.message, result.headers);
    status = match.method === 'POST' && route === 'POST /ops/incidents' && (result.value as { created?: boolean }).created ? 201 : 200;
    sendJson(res, status, result.value);
  } catch (err) {
    log.error({ err: errorFacts(err) }, 'unhandled error');
    answerError(500, 'INTERNAL', `Internal error (request ${id})`);
  } finally {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log.info({ route, operator, status, errorCode, ms: Math.round(ms * 10) / 10 }, 'request');
  }
}
