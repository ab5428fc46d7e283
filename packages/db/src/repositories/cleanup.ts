import type { Queryable } from '../pool';

/**
 * Deletes of expired authentication rows, run by the `maintenance` function on a schedule. Each is one
 * statement with its retention rule spelled out in SQL; a row that is still usable is never deleted.
 */

/**
 * Used login starters matter only until they expire (a later M1 is refused by the expiry sealed in the
 * starter); an hour of grace covers clocks that disagree.
 */
export async function cleanupLoginStarters(db: Queryable): Promise<number> {
  const r = await db.query(`DELETE FROM login_starters_used WHERE expires_at < now() - interval '1 hour'`);
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

/** Rate counters whose window closed: the next hit starts a new row anyway. */
export async function cleanupRateCounters(db: Queryable): Promise<number> {
  const r = await db.query(`DELETE FROM rate_counters WHERE resets_at < now()`);
  return r.rowCount ?? 0;
}
