import type { Queryable } from '../pool';

export async function recordLoginAttempt(db: Queryable, a: { email: string; ip: string | null; succeeded: boolean }): Promise<void> {
  await db.query('INSERT INTO login_attempts (email, ip, succeeded) VALUES ($1, $2, $3)', [a.email, a.ip, a.succeeded]);
}

export interface FailureWindow {
  count: number;
  oldest: Date | null;
}

/**
 * Failed logins since a point in time for an email and for an IP, each with its oldest failure
 * (for Retry-After). One round trip: this runs on every login-a and login-m1.
 */
export async function countLoginFailures(
  db: Queryable,
  q: { email: string; ip: string | null; since: Date },
): Promise<{ email: FailureWindow; ip: FailureWindow }> {
  const { rows } = await db.query<{ email_count: string; email_oldest: Date | null; ip_count: string; ip_oldest: Date | null }>(
    { name: 'count-login-failures', text: `SELECT count(*) FILTER (WHERE email = $1)            AS email_count,
            min(created_at) FILTER (WHERE email = $1)     AS email_oldest,
            count(*) FILTER (WHERE ip = $2)               AS ip_count,
            min(created_at) FILTER (WHERE ip = $2)        AS ip_oldest
       FROM login_attempts
      WHERE NOT succeeded AND created_at > $3 AND (email = $1 OR ip = $2)`, values: [q.email, q.ip, q.since] },
  );
  const r = rows[0];
  return {
    email: { count: Number(r?.email_count ?? 0), oldest: r?.email_oldest ?? null },
    ip: { count: Number(r?.ip_count ?? 0), oldest: r?.ip_oldest ?? null },
  };
}

export async function deleteLoginAttemptsBefore(db: Queryable, before: Date): Promise<number> {
  const r = await db.query('DELETE FROM login_attempts WHERE created_at < $1', [before]);
  return r.rowCount ?? 0;
}
