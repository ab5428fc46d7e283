import type { Queryable } from '../pool';

export interface LoginSessionRow {
  id: string;
  account_id: string | null;
  email: string;
  srp_profile: 'insomnia' | 'rfc2945';
  salt_auth: string;
  verifier: string;
  srp_a: string;
  srp_b: string;
  srp_b_secret: string;
  attempts: number;
  ip: string | null;
  created_at: Date;
  expires_at: Date;
  consumed_at: Date | null;
}

export type NewLoginSession = Omit<LoginSessionRow, 'attempts' | 'created_at' | 'consumed_at' | 'expires_at'> & { ttlSeconds: number };

export async function insertLoginSession(db: Queryable, s: NewLoginSession): Promise<void> {
  await db.query(
    `INSERT INTO login_sessions (id, account_id, email, srp_profile, salt_auth, verifier, srp_a, srp_b, srp_b_secret, ip, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(secs => $11))`,
    [s.id, s.account_id, s.email, s.srp_profile, s.salt_auth, s.verifier, s.srp_a, s.srp_b, s.srp_b_secret, s.ip, s.ttlSeconds],
  );
}

/**
 * Locks the handshake and counts this M1 attempt in one statement, so concurrent guesses cannot
 * exceed the cap. Returns the row after counting (expiry judged by the database clock), or null if unknown.
 */
export async function claimLoginAttempt(db: Queryable, id: string): Promise<(LoginSessionRow & { expired: boolean }) | null> {
  const { rows } = await db.query<LoginSessionRow & { expired: boolean }>(
    `UPDATE login_sessions SET attempts = attempts + 1 WHERE id = $1 RETURNING *, expires_at <= now() AS expired`,
    [id],
  );
  return rows[0] ?? null;
}

/**
 * Completes a login in one statement (so one round trip, and atomic without BEGIN/COMMIT): marks the
 * handshake used — only if nobody else did, so two racing correct proofs yield one session — and
 * creates the session, the attempt row and the audit event. Returns false if the handshake was taken.
 */
export async function completeLogin(
  db: Queryable,
  l: { loginSessionId: string; sessionId: string; tokenHash: Buffer; accountId: string; email: string; client: string | null; ip: string | null; ttlSeconds: number },
): Promise<boolean> {
  const { rows } = await db.query<{ id: string }>(
    `WITH consumed AS (
       UPDATE login_sessions SET consumed_at = now() WHERE id = $1 AND consumed_at IS NULL RETURNING id
     ), new_session AS (
       INSERT INTO sessions (id, token_hash, account_id, client, ip, expires_at)
       SELECT $2, $3, $4, $6, $7, now() + make_interval(secs => $8) FROM consumed RETURNING id
     ), attempt AS (
       INSERT INTO login_attempts (email, ip, succeeded) SELECT $5, $7, true FROM consumed
     ), audit AS (
       INSERT INTO account_audit_events (account_id, type, ip, client) SELECT $4, 'login.succeeded', $7, $6 FROM consumed
     )
     SELECT id FROM new_session`,
    [l.loginSessionId, l.sessionId, l.tokenHash, l.accountId, l.email, l.client, l.ip, l.ttlSeconds],
  );
  return rows.length > 0;
}

export async function deleteExpiredLoginSessions(db: Queryable, olderThan: Date): Promise<number> {
  const r = await db.query('DELETE FROM login_sessions WHERE expires_at < $1', [olderThan]);
  return r.rowCount ?? 0;
}
