import type { Queryable } from '../pool';
import type { FailureWindow } from './login-attempts';

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
    { name: 'insert-login-session', text: `INSERT INTO login_sessions (id, account_id, email, srp_profile, salt_auth, verifier, srp_a, srp_b, srp_b_secret, ip, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(secs => $11))`, values: [s.id, s.account_id, s.email, s.srp_profile, s.salt_auth, s.verifier, s.srp_a, s.srp_b, s.srp_b_secret, s.ip, s.ttlSeconds] },
  );
}

/** What login-a needs, in one round trip: the account's SRP record (if any) and the recent failures. */
export interface LoginChallengeLookup {
  account: { id: string; srp_profile: 'insomnia' | 'rfc2945'; salt_auth: string; verifier: string } | null;
  failures: { email: FailureWindow; ip: FailureWindow };
}

export async function lookupLoginChallenge(db: Queryable, q: { email: string; ip: string | null; since: Date }): Promise<LoginChallengeLookup> {
  const { rows } = await db.query<{
    id: string | null; srp_profile: 'insomnia' | 'rfc2945'; salt_auth: string; verifier: string;
    email_count: string; email_oldest: Date | null; ip_count: string; ip_oldest: Date | null;
  }>({
    name: 'lookup-login-challenge',
    text: `SELECT a.id, a.srp_profile, a.salt_auth, a.verifier, f.*
             FROM (SELECT count(*) FILTER (WHERE email = $1)        AS email_count,
                          min(created_at) FILTER (WHERE email = $1) AS email_oldest,
                          count(*) FILTER (WHERE ip = $2)           AS ip_count,
                          min(created_at) FILTER (WHERE ip = $2)    AS ip_oldest
                     FROM login_attempts
                    WHERE NOT succeeded AND created_at > $3 AND (email = $1 OR ip = $2)) f
             LEFT JOIN accounts a ON a.email = $1`,
    values: [q.email, q.ip, q.since],
  });
  const r = rows[0]!;
  return {
    account: r.id ? { id: r.id, srp_profile: r.srp_profile, salt_auth: r.salt_auth, verifier: r.verifier } : null,
    failures: {
      email: { count: Number(r.email_count), oldest: r.email_oldest },
      ip: { count: Number(r.ip_count), oldest: r.ip_oldest },
    },
  };
}

export interface ClaimedLoginSession extends LoginSessionRow {
  expired: boolean;
  /** Failed logins in the rate window, for the handshake's email and for the caller's IP. */
  email_failures: number;
  email_oldest_failure: Date | null;
  ip_failures: number;
  ip_oldest_failure: Date | null;
}

/**
 * Counts this M1 attempt on the handshake (atomically, so concurrent guesses cannot exceed the cap) and,
 * in the same round trip, the recent failures for its email and for the caller's IP (rate limits).
 * Expiry is judged by the database clock. Null if the handshake is unknown.
 */
export async function claimLoginAttempt(
  db: Queryable,
  q: { id: string; ip: string | null; since: Date },
): Promise<ClaimedLoginSession | null> {
  const { rows } = await db.query<ClaimedLoginSession & { email_failures: string; ip_failures: string }>({
    name: 'claim-login-attempt',
    text: `WITH claimed AS (
             UPDATE login_sessions SET attempts = attempts + 1 WHERE id = $1 RETURNING *
           )
           SELECT c.*, c.expires_at <= now() AS expired,
                  count(a.id) FILTER (WHERE a.email = c.email)      AS email_failures,
                  min(a.created_at) FILTER (WHERE a.email = c.email) AS email_oldest_failure,
                  count(a.id) FILTER (WHERE a.ip = $2)               AS ip_failures,
                  min(a.created_at) FILTER (WHERE a.ip = $2)         AS ip_oldest_failure
             FROM claimed c
             LEFT JOIN login_attempts a
               ON NOT a.succeeded AND a.created_at > $3 AND (a.email = c.email OR a.ip = $2)
            GROUP BY c.id, c.account_id, c.email, c.srp_profile, c.salt_auth, c.verifier, c.srp_a, c.srp_b,
                     c.srp_b_secret, c.attempts, c.ip, c.created_at, c.expires_at, c.consumed_at`,
    values: [q.id, q.ip, q.since],
  });
  const r = rows[0];
  return r ? { ...r, email_failures: Number(r.email_failures), ip_failures: Number(r.ip_failures) } : null;
}

/**
 * Completes a login in one statement (so one round trip, and atomic without BEGIN/COMMIT): marks the
 * handshake used — only if nobody else did, so two racing correct proofs yield one session — and
 * creates the session and the audit event. Only failures go to login_attempts (the rate limits count
 * nothing else). Returns false if the handshake was taken.
 */
export async function completeLogin(
  db: Queryable,
  l: { loginSessionId: string; sessionId: string; tokenHash: Buffer; accountId: string; client: string | null; ip: string | null; ttlSeconds: number },
): Promise<boolean> {
  const { rows } = await db.query<{ id: string }>({
    name: 'complete-login',
    text: `WITH consumed AS (
             UPDATE login_sessions SET consumed_at = now() WHERE id = $1 AND consumed_at IS NULL RETURNING id
           ), new_session AS (
             INSERT INTO sessions (id, token_hash, account_id, client, ip, expires_at)
             SELECT $2, $3, $4, $5, $6, now() + make_interval(secs => $7) FROM consumed RETURNING id
           ), audit AS (
             INSERT INTO account_audit_events (account_id, type, ip, client) SELECT $4, 'login.succeeded', $6, $5 FROM consumed
           )
           SELECT id FROM new_session`,
    values: [l.loginSessionId, l.sessionId, l.tokenHash, l.accountId, l.client, l.ip, l.ttlSeconds],
  });
  return rows.length > 0;
}

