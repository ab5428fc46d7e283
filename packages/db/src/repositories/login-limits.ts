import type { Queryable } from '../pool';

/**
 * The SQL of the SRP login and of the per-source request limits (docs/architecture.md §7). Handshakes are
 * not stored (the sessionStarterId is sealed, docs/protocol.md §3); what is stored are counters in
 * `rate_counters` and, at M1, the use of each starter in `login_starters_used`. The limits themselves are
 * parameters: the numbers and the rules live in the auth function's policy.
 */

export type SrpProfileName = 'insomnia' | 'rfc2945';

export interface LoginAccount {
  id: string;
  srp_profile: SrpProfileName;
  salt_auth: string;
  verifier: string;
}

/** A counter whose window is still open; a closed window reads as no counter at all. */
export interface LiveCounter {
  hits: number;
  resetsAt: Date;
  lastAt: Date;
}

export interface FailureCounters {
  /** failed proofs of this email from this source */
  pair: LiveCounter | null;
  /** failed proofs from this source */
  ip: LiveCounter | null;
  /** failed proofs of this email from any source */
  email: LiveCounter | null;
}

type CounterColumns = {
  pair_hits: number | null; pair_resets_at: Date | null; pair_last_at: Date | null;
  ip_hits: number | null; ip_resets_at: Date | null; ip_last_at: Date | null;
  email_hits: number | null; email_resets_at: Date | null; email_last_at: Date | null;
};

const counter = (hits: number | null, resetsAt: Date | null, lastAt: Date | null): LiveCounter | null =>
  hits !== null && resetsAt && lastAt ? { hits, resetsAt, lastAt } : null;

const failureCounters = (r: CounterColumns): FailureCounters => ({
  pair: counter(r.pair_hits, r.pair_resets_at, r.pair_last_at),
  ip: counter(r.ip_hits, r.ip_resets_at, r.ip_last_at),
  email: counter(r.email_hits, r.email_resets_at, r.email_last_at),
});

/** The live failure counters of (email, ip), joined by the statements below; $1 = email, $2 = ip ('' when unknown). */
const FAILURE_COLUMNS = `p.hits AS pair_hits, p.resets_at AS pair_resets_at, p.last_at AS pair_last_at,
                         i.hits AS ip_hits, i.resets_at AS ip_resets_at, i.last_at AS ip_last_at,
                         e.hits AS email_hits, e.resets_at AS email_resets_at, e.last_at AS email_last_at`;
const FAILURE_JOINS = `LEFT JOIN rate_counters p ON p.scope = 'login-failures:pair' AND p.email = $1 AND p.ip = $2 AND p.resets_at > now()
                       LEFT JOIN rate_counters i ON i.scope = 'login-failures:ip' AND i.email = '' AND i.ip = $2 AND $2 <> '' AND i.resets_at > now()
                       LEFT JOIN rate_counters e ON e.scope = 'login-failures:email' AND e.email = $1 AND e.ip = '' AND e.resets_at > now()`;

/** Adds one hit to a counter row, or starts its window again if it has closed (used as ON CONFLICT … DO UPDATE). */
const HIT = `SET hits = CASE WHEN c.resets_at <= now() THEN 1 ELSE c.hits + 1 END,
                 resets_at = CASE WHEN c.resets_at <= now() THEN EXCLUDED.resets_at ELSE c.resets_at END,
                 last_at = now()`;

export interface LoginStartLookup {
  account: LoginAccount | null;
  /** handshakes started by this source in the current window, this one included; null without an ip */
  starts: { hits: number; resetsAt: Date } | null;
  failures: FailureCounters;
}

/**
 * login-a in one round trip: counts the handshake against the source (the only write, one row per source
 * and window), and reads the account's SRP record and the failure counters the limits look at.
 */
export async function lookupLoginStart(
  db: Queryable,
  q: { email: string; ip: string | null; startWindowSeconds: number },
): Promise<LoginStartLookup> {
  const { rows } = await db.query<LoginAccount & CounterColumns & { id: string | null; start_hits: number | null; start_resets_at: Date | null }>({
    name: 'lookup-login-start',
    text: `WITH start AS (
             INSERT INTO rate_counters AS c (scope, ip, hits, resets_at)
             SELECT 'login-start:ip', $2, 1, now() + make_interval(secs => $3) WHERE $2 <> ''
             ON CONFLICT (scope, email, ip) DO UPDATE ${HIT}
             RETURNING hits, resets_at
           )
           SELECT a.id, a.srp_profile, a.salt_auth, a.verifier, s.hits AS start_hits, s.resets_at AS start_resets_at, ${FAILURE_COLUMNS}
             FROM (VALUES (1)) AS one (x)
             LEFT JOIN start s ON true
             LEFT JOIN accounts a ON a.email = $1
             ${FAILURE_JOINS}`,
    values: [q.email, q.ip ?? '', q.startWindowSeconds],
  });
  const r = rows[0]!;
  return {
    account: r.id ? { id: r.id, srp_profile: r.srp_profile, salt_auth: r.salt_auth, verifier: r.verifier } : null,
    starts: r.start_hits !== null && r.start_resets_at ? { hits: r.start_hits, resetsAt: r.start_resets_at } : null,
    failures: failureCounters(r),
  };
}

export interface FailureLimits {
  windowSeconds: number;
  maxPerEmailAndIp: number;
  maxPerIp: number;
  slowdownAfter: number;
  slowdownBaseSeconds: number;
  slowdownMaxSeconds: number;
}

export interface LoginReservation {
  /** false: this starter was already used for a proof; nothing was counted */
  fresh: boolean;
  /** true: a failure is now counted for (email, ip) and for ip, to be kept or given back by the verdict */
  reserved: boolean;
  account: LoginAccount | null;
  /** the counters as they were before this statement (for Retry-After when refused) */
  failures: FailureCounters;
}

/**
 * M1, before the proof is checked: counts a failure for (email, ip) and for ip, but only while both are
 * under their hard limits and the source is not being slowed down (docs/architecture.md §7). The condition
 * is evaluated on the locked, newest version of each counter row (ON CONFLICT … DO UPDATE … WHERE), so
 * concurrent proofs are counted one after the other and no more than the limit get through. The statement
 * commits on its own: no lock is held while the proof is checked, and if the verdict never comes, the
 * attempt stays counted as a failure. Rows are locked pair → ip, the order of every statement here.
 *
 * When the pair is reserved and the source is at its ip limit, the pair keeps one hit too many; only a
 * source that is already refused is concerned.
 */
export async function reserveLoginFailure(
  db: Queryable,
  q: { email: string; ip: string | null; starterId: Buffer; limits: FailureLimits },
): Promise<LoginReservation> {
  const l = q.limits;
  const { rows } = await db.query<LoginAccount & CounterColumns & { id: string | null; fresh: boolean; reserved: boolean }>({
    name: 'reserve-login-failure',
    text: `WITH fresh AS (
             SELECT NOT EXISTS (SELECT 1 FROM login_starters_used WHERE id = $3) AS ok
           ), pair AS (
             INSERT INTO rate_counters AS c (scope, email, ip, hits, resets_at)
             SELECT 'login-failures:pair', $1, $2, 1, now() + make_interval(secs => $4) FROM fresh WHERE fresh.ok
             ON CONFLICT (scope, email, ip) DO UPDATE ${HIT}
              WHERE c.resets_at <= now()
                 OR (c.hits < $5
                     AND (c.hits = 0
                          OR c.last_at + make_interval(secs => least($9::float8, $8::float8 * power(2, c.hits - 1))) <= now()
                          OR coalesce((SELECT x.hits FROM rate_counters x
                                        WHERE x.scope = 'login-failures:email' AND x.email = $1 AND x.ip = '' AND x.resets_at > now()), 0) < $7))
             RETURNING 1
           ), ipc AS (
             INSERT INTO rate_counters AS c (scope, email, ip, hits, resets_at)
             SELECT 'login-failures:ip', '', $2, 1, now() + make_interval(secs => $4) FROM pair WHERE $2 <> ''
             ON CONFLICT (scope, email, ip) DO UPDATE ${HIT}
              WHERE c.resets_at <= now() OR c.hits < $6
             RETURNING 1
           )
           SELECT (SELECT ok FROM fresh) AS fresh,
                  EXISTS (SELECT 1 FROM pair) AND ($2 = '' OR EXISTS (SELECT 1 FROM ipc)) AS reserved,
                  a.id, a.srp_profile, a.salt_auth, a.verifier, ${FAILURE_COLUMNS}
             FROM (VALUES (1)) AS one (x)
             LEFT JOIN accounts a ON a.email = $1
             ${FAILURE_JOINS}`,
    values: [q.email, q.ip ?? '', q.starterId, l.windowSeconds, l.maxPerEmailAndIp, l.maxPerIp, l.slowdownAfter, l.slowdownBaseSeconds, l.slowdownMaxSeconds],
  });
  const r = rows[0]!;
  return {
    fresh: r.fresh,
    reserved: r.reserved,
    account: r.id ? { id: r.id, srp_profile: r.srp_profile, salt_auth: r.salt_auth, verifier: r.verifier } : null,
    failures: failureCounters(r),
  };
}

/**
 * A right proof, in one statement: records the starter's use (only if nobody else did, so two racing
 * right proofs yield one session), creates the session and the audit event, and gives back the reserved
 * failure: the pair starts from zero (this source knows the passphrase), the source's count loses the one
 * hit. Locks are taken pair → ip → starter entry, the order of the reservation and of a failure (which
 * takes only the entry and the email's row), so no two logins deadlock. Returns false if the starter was
 * already used.
 */
export async function completeLogin(
  db: Queryable,
  l: {
    starterId: Buffer; starterExpiresAt: Date; email: string; ip: string | null;
    sessionId: string; tokenHash: Buffer; accountId: string; client: string | null; ttlSeconds: number;
  },
): Promise<boolean> {
  const { rows } = await db.query<{ id: string }>({
    name: 'complete-login',
    text: `WITH locked AS (
             SELECT scope FROM rate_counters
              WHERE (scope = 'login-failures:pair' AND email = $9 AND ip = $7)
                 OR (scope = 'login-failures:ip' AND email = '' AND ip = $7 AND $7 <> '')
              ORDER BY scope DESC -- 'login-failures:pair' before 'login-failures:ip'
              FOR UPDATE
           ), used AS (
             -- reads locked, so the counter rows are locked before the starter's entry (one order everywhere)
             INSERT INTO login_starters_used (id, expires_at) SELECT $1, $2 FROM (SELECT count(*) FROM locked) AS after_locks
             ON CONFLICT DO NOTHING RETURNING id
           ), new_session AS (
             INSERT INTO sessions (id, token_hash, account_id, client, ip, expires_at)
             SELECT $3, $4, $5, $6, nullif($7, ''), now() + make_interval(secs => $8) FROM used RETURNING id
           ), audit AS (
             INSERT INTO account_audit_events (account_id, type, ip, client) SELECT $5, 'login.succeeded', nullif($7, ''), $6 FROM used
           ), released AS (
             UPDATE rate_counters c
                SET hits = CASE WHEN c.scope = 'login-failures:pair' THEN 0 ELSE greatest(c.hits - 1, 0) END
               FROM locked
              WHERE c.scope = locked.scope AND c.ip = $7 AND c.email = CASE WHEN c.scope = 'login-failures:pair' THEN $9 ELSE '' END
           )
           SELECT id FROM new_session`,
    values: [l.starterId, l.starterExpiresAt, l.sessionId, l.tokenHash, l.accountId, l.client, l.ip ?? '', l.ttlSeconds, l.email],
  });
  return rows.length > 0;
}

/**
 * A wrong proof (or an email without an account), in one statement: the reserved failure stays counted,
 * the starter is used up, the email's count (which only slows failing sources) gains a hit, and a real
 * account gets its audit event.
 */
export async function recordFailedLogin(
  db: Queryable,
  f: { starterId: Buffer; starterExpiresAt: Date; email: string; accountId: string | null; ip: string | null; client: string | null; windowSeconds: number },
): Promise<void> {
  await db.query({
    name: 'record-failed-login',
    text: `WITH used AS (
             INSERT INTO login_starters_used (id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id
           ), email_count AS (
             -- reads used, so the starter's entry is taken before the email's row (one order everywhere)
             INSERT INTO rate_counters AS c (scope, email, hits, resets_at)
             SELECT 'login-failures:email', $3, 1, now() + make_interval(secs => $7) FROM (SELECT count(*) FROM used) AS after_used
             ON CONFLICT (scope, email, ip) DO UPDATE ${HIT}
           )
           INSERT INTO account_audit_events (account_id, type, ip, client)
           SELECT $4, 'login.failed', $5, $6 WHERE $4::text IS NOT NULL`,
    values: [f.starterId, f.starterExpiresAt, f.email, f.accountId, f.ip, f.client, f.windowSeconds],
  });
}

/**
 * Counts one request of a kind against its source (signups, account resets) and returns the count in the current window,
 * this request included. Its own statement, committed whatever happens next, so refused or failing
 * requests count too.
 */
export async function countSourceRequest(
  db: Queryable,
  q: { scope: 'signup:ip' | 'reset:ip' | 'github-code:ip' | 'reset-code:ip'; ip: string; windowSeconds: number },
): Promise<{ hits: number; resetsAt: Date }> {
  const { rows } = await db.query<{ hits: number; resets_at: Date }>({
    name: 'count-source-request',
    text: `INSERT INTO rate_counters AS c (scope, ip, hits, resets_at) VALUES ($1, $2, 1, now() + make_interval(secs => $3))
           ON CONFLICT (scope, email, ip) DO UPDATE ${HIT}
           RETURNING hits, resets_at`,
    values: [q.scope, q.ip, q.windowSeconds],
  });
  const r = rows[0]!;
  return { hits: r.hits, resetsAt: r.resets_at };
}
