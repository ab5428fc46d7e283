import {
  enqueueIncidentMails,
  existingAccountIds,
  existingOrgIds,
  findIncident,
  findIncidentByKey,
  insertIncident,
  lockIncidentKey,
  queuedIncidentOutboxIds,
  snapshotIncidentRecipients,
  type IncidentRow,
} from '@somnus/db';
import type { CreateIncidentBody, IncidentScope, IncidentView } from '@somnus/models';
import { dispatchSoon, fail, newId, ok, transaction, type Result } from '@somnus/runtime';
import type { IncidentsDeps } from '../deps';
import type { Operator } from '../operator';
import { viewOf } from './view';

export type CreateIncidentInput = CreateIncidentBody;

/** Ids of the scope that name nothing: an unknown scope is refused before anything is written. */
async function unknownIds(tx: Parameters<typeof existingOrgIds>[0], scope: IncidentScope): Promise<string[]> {
  if (scope.type === 'all') return [];
  const found = new Set(scope.type === 'orgs' ? await existingOrgIds(tx, scope.ids) : await existingAccountIds(tx, scope.ids));
  return scope.ids.filter((id) => !found.has(id));
}

const scopeKey = (scope: IncidentScope) =>
  JSON.stringify(scope.type === 'all' ? { type: 'all' } : { type: scope.type, ids: [...new Set(scope.ids)].sort() });

/** Whether a recorded incident has the content of this request (ids of the scope in any order). */
function sameIncident(row: IncidentRow, input: CreateIncidentInput): boolean {
  return (
    row.title === input.title &&
    row.summary === input.summary &&
    row.details === input.details &&
    row.severity === input.severity &&
    scopeKey(row.scope) === scopeKey(input.scope) &&
    (row.postmortem_url ?? null) === (input.postmortemUrl ?? null)
  );
}

/**
 * Records an incident (docs/architecture.md §11.3). In one transaction: the incident, the snapshot of its
 * recipients as the scope selects them now, one outbox row per recipient. The same idempotency key with the
 * same content answers the incident recorded first; with other content it is a CONFLICT (409). The answer does not wait for Pub/Sub: this incident's rows are published
 * right after it (dispatchSoon, as every other email), and what that cannot publish stays queued for the
 * sweeper. An answer lost on the way is then cheap to ask for again with the same key (the CLI derives it
 * from the incident's content).
 */
export async function createIncident(
  deps: IncidentsDeps,
  operator: Operator,
  input: CreateIncidentInput,
): Promise<Result<IncidentView & { created: boolean }>> {
  const id = newId('inc');
  const recorded = await transaction(deps.db, async (tx) => {
    await lockIncidentKey(tx, input.idempotencyKey);
    const existing = await findIncidentByKey(tx, input.idempotencyKey);
    if (existing) {
      // the same key for another incident is a mistake (a reused key, an edited command): say so rather than
      // answer an incident the operator did not describe
      if (!sameIncident(existing, input)) {
        return fail('CONFLICT', `idempotency key ${input.idempotencyKey} already recorded incident ${existing.id} with other content`);
      }
      return ok({ id: existing.id, created: false });
    }
    const unknown = await unknownIds(tx, input.scope);
    if (unknown.length) {
      return fail('VALIDATION_ERROR', `scope: no ${input.scope.type === 'orgs' ? 'organization' : 'account'} ${unknown.slice(0, 5).join(', ')}`);
    }
    await insertIncident(tx, {
      id,
      idempotency_key: input.idempotencyKey,
      title: input.title,
      summary: input.summary,
      details: input.details,
      severity: input.severity,
      scope: input.scope,
      postmortem_url: input.postmortemUrl ?? null,
      created_by: operator.email,
    });
    await snapshotIncidentRecipients(tx, id);
    await enqueueIncidentMails(tx, id);
    return ok({ id, created: true });
  });
  if (!recorded.ok) return recorded;

  const view = await transaction(deps.db, async (tx) => {
    const row = await findIncident(tx, recorded.value.id);
    return ok(await viewOf(tx, row!));
  });
  if (!view.ok) return view;
  if (recorded.value.created) dispatchSoon(deps.db, await queuedIncidentOutboxIds(deps.db, id));
  return ok({ ...view.value, created: recorded.value.created });
}
