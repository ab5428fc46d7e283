import { cleanupAccountCodes, cleanupLoginStarters, cleanupMailOutbox, cleanupMailSends, cleanupRateCounters, cleanupSessions } from '@somnus/db';
import { ok, type Anonymous, type Result } from '@somnus/runtime';
import type { MaintenanceDeps } from '../deps';

export interface CleanupResult {
  loginStarters: number;
  accountCodes: number;
  sessions: number;
  rateCounters: number;
  /** rows of the mail ledger older than any limit reads (docs/architecture.md §11.1) */
  mailSends: number;
  /** settled outbox rows of account and organization emails after a week (incident rows are the incident's record) */
  mailOutbox: number;
}

/**
 * Removes authentication rows nobody can use any more. Each delete stands alone (no transaction):
 * they touch unrelated tables, and a retry after a partial run simply deletes the rest.
 */
export async function cleanup(deps: MaintenanceDeps, _actor: Anonymous): Promise<Result<CleanupResult>> {
  const loginStarters = await cleanupLoginStarters(deps.db);
  const accountCodes = await cleanupAccountCodes(deps.db);
  const sessions = await cleanupSessions(deps.db);
  const rateCounters = await cleanupRateCounters(deps.db);
  const mailSends = await cleanupMailSends(deps.db);
  const mailOutbox = await cleanupMailOutbox(deps.db);
  return ok({ loginStarters, accountCodes, sessions, rateCounters, mailSends, mailOutbox });
}
