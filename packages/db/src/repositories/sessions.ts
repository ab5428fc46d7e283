import type { Queryable } from '../pool';

export interface SessionRow {
  id: string;
  token_hash: Buffer;
  account_id: string;
  client: string | null;
  ip: string | null;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

/**
 * The live session of a token hash, with its account's email and whether that address is verified (both
 * go into the tenant context: docs/architecture.md §4.3), recording its use (at most once a minute,
 * so a busy client does not write a row per request) in the same statement: one round trip per request.
 */
export async function useLiveSession(db: Queryable, tokenHash: Buffer): Promise<(SessionRow & { account_email: string; account_email_verified: boolean }) | null> {
  const { rows } = await db.query<SessionRow & { account_email: string; account_email_verified: boolean }>({
    name: 'use-live-session',
    text: `WITH live AS (
             SELECT s.*, a.email AS account_email, a.email_verified_at IS NOT NULL AS account_email_verified
               FROM sessions s JOIN accounts a ON a.id = s.account_id
              WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
           ), touched AS (
             UPDATE sessions SET last_used_at = now()
              WHERE id = (SELECT id FROM live) AND last_used_at < now() - interval '1 minute'
           )
           SELECT * FROM live`,
    values: [tokenHash],
  });
  return rows[0] ?? null;
}

/** Whether the session is still live now: a logout may have landed while a request waited on a lock. */
export async function isSessionLive(db: Queryable, id: string): Promise<boolean> {
  const { rows } = await db.query({
    name: 'is-session-live',
    text: `SELECT 1 FROM sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()`,
    values: [id],
  });
  return rows.length > 0;
}

export async function listLiveSessions(db: Queryable, accountId: string): Promise<SessionRow[]> {
  const { rows } = await db.query<SessionRow>(
    `SELECT * FROM sessions WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > now() ORDER BY created_at DESC`,
    [accountId],
  );
  return rows;
}

export async function revokeSession(db: Queryable, accountId: string, id: string): Promise<boolean> {
  const r = await db.query(
    `UPDATE sessions SET revoked_at = now() WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL`,
    [id, accountId],
  );
  return (r.rowCount ?? 0) > 0;
}

export async function revokeOtherSessions(db: Queryable, accountId: string, keepId: string | null): Promise<number> {
  const r = await db.query(
    `UPDATE sessions SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2`,
    [accountId, keepId],
  );
  return r.rowCount ?? 0;
}
