import { incidentOutboxCounts, listIncidents as listIncidentRows } from '@somnus/db';
import type { IncidentSummary } from '@somnus/models';
import { ok, type Result } from '@somnus/runtime';
import type { IncidentsDeps } from '../deps';
import type { Operator } from '../operator';
import { summaryOf } from './view';

/** Incidents, newest first, each with its delivery counts. */
export async function listIncidents(
  deps: IncidentsDeps,
  _operator: Operator,
  input: { limit: number; offset: number },
): Promise<Result<{ incidents: IncidentSummary[]; total: number }>> {
  const { rows, total } = await listIncidentRows(deps.db, input.limit, input.offset);
  const counts = await incidentOutboxCounts(deps.db, rows.map((r) => r.id));
  return ok({ incidents: rows.map((r) => summaryOf(r, counts.get(r.id)!)), total });
}
