import {
  cleanupSessions,
  cleanupLoginSessions,
  cleanupLoginAttempts,
  cleanupAccountCodes,
  type Queryable,
} from '@somnus/db';

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
export async function cleanup(db: Queryable): Promise<CleanupResult> {
  const loginSessions = await cleanupLoginSessions(db);
  const accountCodes = await cleanupAccountCodes(db);
  const sessions = await cleanupSessions(db);
  const loginAttempts = await cleanupLoginAttempts(db);
  return { loginSessions, accountCodes, sessions, loginAttempts };
}
