import { dispatchOutbox, ok, type DispatchResult, type Result } from '@somnus/runtime';
import type { IncidentsDeps } from '../deps';
import type { Operator } from '../operator';

/**
 * The sweeper (Cloud Scheduler every minute in GCP, a timer locally): publishes outbox rows left
 * unpublished — queued while Pub/Sub was unreachable, or published long ago and never settled.
 */
export async function dispatch(deps: IncidentsDeps, _operator: Operator): Promise<Result<DispatchResult>> {
  return ok(await dispatchOutbox(deps.db));
}
