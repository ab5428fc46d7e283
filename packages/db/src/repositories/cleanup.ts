import type { Queryable } from '../pool';

/**
 * Deletes of expired authentication rows, run by the `maintenance` function on a schedule. Each is one
 * statement with its retention rule spelled out in SQL; a row that is still usable is never deleted.
 */

/** SRP handshakes live minutes; keep an hour of expired ones for debugging, then drop them. */
export async function cleanupLoginSessions(db: Queryable): Promise<number> {
  const r = await db.query(`DELETE FROM login_sessions WHERE expires_at < now() - interval '1 hour'`);
  return r.rowCount ?? 0;
}

/** Codes that were used or have expired, once they are more than a day old. */
export async function cleanupAccountCodes(db: Queryable): Promise<number> {
  const r = await db.query(
    `DELETE FROM account_codes
      WHERE created_at < now() - interval '1 day'
        AND (used_at IS NOT NULL OR expires_at < now())`,
  );
  return r.rowCount ?? 0;
}

/** Sessions that expired, or were revoked, more than 30 days ago (kept that long for the session list and audits). */
export async function cleanupSessions(db: Queryable): Promise<number> {
  const r = await db.query(
    `DELETE FROM sessions
      WHERE expires_at < now() - interval '30 days'
         OR revoked_at < now() - interval '30 days'`,
  );
  return r.rowCount ?? 0;
}

/** Login attempts only matter to the rate-limit windows (minutes); a day is plenty. */
export async function cleanupLoginAttempts(db: Queryable): Promise<number> {
  const r = await db.query(`DELETE FROM login_attempts WHERE created_at < now() - interval '1 day'`);
  return r.rowCount ?? 0;
}
