import { cleanupAccountCodes, cleanupLoginAttempts, cleanupLoginSessions, cleanupSessions } from '@somnus/db';
import { ok, type Anonymous, type Result } from '@somnus/runtime';
import type { MaintenanceDeps } from '../deps';

export interface CleanupResult {
  loginSessions: number;
  accountCodes: number;
  sessions: number;
  loginAttempts: number;
}

/**
 * Removes authentication rows nobody can use any more. Each delete stands alone (no transaction):
 * they touch unrelated tables, and a retry after a partial run simply deletes the rest.
 */
export async function cleanup(deps: MaintenanceDeps, _actor: Anonymous): Promise<Result<CleanupResult>> {
  const loginSessions = await cleanupLoginSessions(deps.db);
  const accountCodes = await cleanupAccountCodes(deps.db);
  const sessions = await cleanupSessions(deps.db);
  const loginAttempts = await cleanupLoginAttempts(deps.db);
  return ok({ loginSessions, accountCodes, sessions, loginAttempts });
}
