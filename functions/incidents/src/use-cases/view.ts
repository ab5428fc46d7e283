import { incidentFailures, incidentOutboxCounts, type IncidentRow, type Queryable, type StateCounts } from '@somnus/db';
import type { IncidentSummary, IncidentView } from '@somnus/models';

/** How many failures an incident's view lists (with their reasons); the counts cover them all. */
export const FAILURES_SHOWN = 50;

const total = (c: StateCounts) => c.queued + c.published + c.sending + c.sent + c.failed;

export function summaryOf(row: IncidentRow, counts: StateCounts): IncidentSummary {
  const recipients = total(counts);
  return {
    id: row.id,
    title: row.title,
    severity: row.severity,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    recipients,
    counts,
    done: counts.sent + counts.failed === recipients,
  };
}

export async function viewOf(db: Queryable, row: IncidentRow): Promise<IncidentView> {
  const counts = (await incidentOutboxCounts(db, [row.id])).get(row.id)!;
  const failures = await incidentFailures(db, row.id, FAILURES_SHOWN);
  return {
    ...summaryOf(row, counts),
    summary: row.summary,
    details: row.details,
    scope: row.scope,
    postmortemUrl: row.postmortem_url,
    failures: failures.map((f) => ({
      accountId: f.account_id,
      attempts: f.attempts,
      reason: f.last_error,
      failedAt: f.failed_at ? f.failed_at.toISOString() : null,
    })),
  };
}
