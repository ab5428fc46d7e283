import type { Request, Response } from 'express';
import { ERROR_STATUS } from '@somnus/models';
import { errorFacts, logger, quietFrameworkClientErrors, requestId, sendError, sendJson, type Anonymous, type Result } from '@somnus/runtime';
import { maintenanceDeps } from './deps';
import { cleanup } from './use-cases/cleanup';

quietFrameworkClientErrors();

/** The jobs this function runs, by path. Cloud Scheduler POSTs to them (see FUNCTION_REGISTRY). */
const JOBS: Record<string, (actor: Anonymous) => Promise<Result<unknown>>> = {
  '/cleanup': (actor) => cleanup(maintenanceDeps(), actor),
};

/**
 * Entry point of the private `maintenance` function. It is not behind the load balancer and not in the
 * route table: only the scheduler's service account may invoke it (Cloud Run IAM checks the OIDC token
 * before a request gets here), so it has no session auth of its own.
 */
export async function handleMaintenance(req: Request, res: Response): Promise<void> {
  const path = (req.path || req.url.split('?')[0]) ?? '/';
  const id = requestId(req);
  const log = logger().child({ fn: 'maintenance', requestId: id });
  const job = JOBS[path];
  if (!job) return sendError(res, 404, 'NOT_FOUND', `No job at ${path}`);
  if (req.method !== 'POST') return sendError(res, 405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}`, { Allow: 'POST' });
  try {
    const result = await job({ meta: { requestId: id, ip: null, client: null } });
    if (!result.ok) return sendError(res, ERROR_STATUS[result.error], result.error, result.message, result.headers);
    log.info({ job: path, result: result.value }, 'maintenance job done');
    sendJson(res, 200, result.value);
  } catch (err) {
    log.error({ job: path, err: errorFacts(err) }, 'maintenance job failed');
    // a 5xx makes Cloud Scheduler retry the job
    sendError(res, 500, 'INTERNAL', 'Maintenance job failed');
  }
}
