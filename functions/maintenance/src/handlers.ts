import type { Request, Response } from 'express';
import { getPool } from '@somnus/db';
import { logger, sendError, sendJson } from '@somnus/runtime';
import { cleanup } from './use-cases/cleanup';

/** The jobs this function runs, by path. Cloud Scheduler POSTs to them (see FUNCTION_REGISTRY). */
const JOBS: Record<string, () => Promise<unknown>> = {
  '/cleanup': () => cleanup(getPool()),
};

/**
 * Entry point of the private `maintenance` function. It is not behind the load balancer and not in the
 * route table: only the scheduler's service account may invoke it (Cloud Run IAM checks the OIDC token
 * before a request gets here), so it has no session auth of its own.
 */
export async function handleMaintenance(req: Request, res: Response): Promise<void> {
  const path = (req.path || req.url.split('?')[0]) ?? '/';
  const log = logger().child({ fn: 'maintenance' });
  const job = JOBS[path];
  if (!job) {
    sendError(res, 404, 'NOT_FOUND', `No job at ${path}`);
    return;
  }
  if (req.method !== 'POST') {
    sendError(res, 405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}`, { Allow: 'POST' });
    return;
  }
  try {
    const result = await job();
    log.info({ job: path, result }, 'maintenance job done');
    sendJson(res, 200, result);
  } catch (err) {
    log.error({ job: path, err: { type: (err as Error)?.name, stack: (err as Error)?.stack } }, 'maintenance job failed');
    // a 5xx makes Cloud Scheduler retry the job
    sendError(res, 500, 'INTERNAL', 'Maintenance job failed');
  }
}
