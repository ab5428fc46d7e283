import type { Queryable } from '../pool';

export type AccountEventType =
  | 'account.signup'
  | 'login.succeeded'
  | 'login.failed'
  | 'session.logout'
  | 'session.revoked'
  | 'password.code_sent'
  | 'password.changed'
  | 'account.reset_code_sent'
  | 'account.reset'
  | 'account.verification_sent'
  | 'account.email_verified'
  | 'invite.lookup';

export interface AccountEventRow {
  id: string;
  account_id: string;
  type: AccountEventType;
  ip: string | null;
  client: string | null;
  details: Record<string, unknown>;
  created_at: Date;
}

export async function recordAccountEvent(
  db: Queryable,
  e: { accountId: string; type: AccountEventType; ip: string | null; client: string | null; details?: Record<string, unknown> },
): Promise<void> {
  await db.query(
    `INSERT INTO account_audit_events (account_id, type, ip, client, details) VALUES ($1, $2, $3, $4, $5)`,
    [e.accountId, e.type, e.ip, e.client, JSON.stringify(e.details ?? {})],
  );
}

/** How often an account did something recently: the basis of per-account rate limits. */
export async function countAccountEventsSince(db: Queryable, accountId: string, type: AccountEventType, since: Date): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM account_audit_events WHERE account_id = $1 AND type = $2 AND created_at >= $3',
    [accountId, type, since],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Serialises one account's rate-counted actions (invitation lookups) until the transaction ends, so that
 * concurrent requests cannot both pass the count. Advisory: no row lock that could meet an org's lock in
 * another order.
 */
export async function lockAccountCounter(db: Queryable, accountId: string, counter: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('count:' || $1 || ':' || $2, 0))`, [counter, accountId]);
}
