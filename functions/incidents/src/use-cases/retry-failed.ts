import { findIncident, requeueFailed } from '@somnus/db';
import { dispatchOutbox, fail, ok, type Result } from '@somnus/runtime';
import type { IncidentsDeps } from '../deps';
import type { Operator } from '../operator';

/**
 * The incident's failed emails go back to the queue with fresh attempts, and are published at once (what
 * cannot be published stays queued for the sweeper). A row already sent is never touched.
 */
export async function retryFailed(
  deps: IncidentsDeps,
  _operator: Operator,
  input: { id: string },
): Promise<Result<{ requeued: number; published: number }>> {
  if (!(await findIncident(deps.db, input.id))) return fail('NOT_FOUND', 'No such incident');
  const ids = await requeueFailed(deps.db, input.id);
  const r = ids.length ? await dispatchOutbox(deps.db, { ids }) : { published: 0 };
  return ok({ requeued: ids.length, published: r.published });
}
