import type { Queryable } from '../pool';

export async function recordLoginAttempt(db: Queryable, a: { email: string; ip: string | null; succeeded: boolean }): Promise<void> {
  await db.query('INSERT INTO login_attempts (email, ip, succeeded) VALUES ($1, $2, $3)', [a.email, a.ip, a.succeeded]);
}

export interface FailureWindow {
  count: number;
  oldest: Date | null;
}

