import type { Queryable } from '../pool';

export async function recordLoginAttempt(db: Queryable, a: { email: string; ip: string | null; succeeded: boolean }): Promise<void> {
  await db.query('INSERT INTO login_attempts (email, ip, succeeded) VALUES ($1, $2, $3)', [a.email, a.ip, a.succeeded]);
}

export interface FailureWindow {
  count: number;
  oldest: Date | null;
}

/** Failed logins for an email (or an IP) since a point in time, and the oldest of them (for Retry-After). */
export async function countFailuresForEmail(db: Queryable, email: string, since: Date): Promise<FailureWindow> {
  const { rows } = await db.query<{ count: string; oldest: Date | null }>(
    `SELECT count(*) AS count, min(created_at) AS oldest FROM login_attempts
      WHERE email = $1 AND NOT succeeded AND created_at > $2`,
    [email, since],
  );
  return { count: Number(rows[0]?.count ?? 0), oldest: rows[0]?.oldest ?? null };
}

export async function countFailuresForIp(db: Queryable, ip: string, since: Date): Promise<FailureWindow> {
  const { rows } = await db.query<{ count: string; oldest: Date | null }>(
    `SELECT count(*) AS count, min(created_at) AS oldest FROM login_attempts
      WHERE ip = $1 AND NOT succeeded AND created_at > $2`,
    [ip, since],
  );
  return { count: Number(rows[0]?.count ?? 0), oldest: rows[0]?.oldest ?? null };
}

export async function deleteLoginAttemptsBefore(db: Queryable, before: Date): Promise<number> {
  const r = await db.query('DELETE FROM login_attempts WHERE created_at < $1', [before]);
  return r.rowCount ?? 0;
}
