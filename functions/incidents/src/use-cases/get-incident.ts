import { findIncident } from '@somnus/db';
import type { IncidentView } from '@somnus/models';
import { fail, ok, type Result } from '@somnus/runtime';
import type { IncidentsDeps } from '../deps';
import type { Operator } from '../operator';
import { viewOf } from './view';

/** One incident with its delivery counts by state and its first failures with their reasons. */
export async function getIncident(deps: IncidentsDeps, _operator: Operator, input: { id: string }): Promise<Result<IncidentView>> {
  const row = await findIncident(deps.db, input.id);
  if (!row) return fail('NOT_FOUND', 'No such incident');
  return ok(await viewOf(deps.db, row));
}
