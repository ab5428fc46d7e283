import { countLoginFailures, type FailureWindow, type Queryable } from '@somnus/db';
import { MAX_FAILURES_PER_EMAIL, MAX_FAILURES_PER_IP, RATE_WINDOW_MS } from './policy';

/**
 * After 10 failed logins for an email, or 50 from an IP, within 15 minutes, the next attempt waits.
 * Returns the seconds until the oldest counted failure leaves the window, or null when allowed.
 */
export async function loginRetryAfter(db: Queryable, email: string, ip: string | null, now = new Date()): Promise<number | null> {
  const failures = await countLoginFailures(db, { email, ip, since: rateWindowStart(now) });
  return retryAfter(failures, ip, now);
}

export function rateWindowStart(now = new Date()): Date {
  return new Date(now.getTime() - RATE_WINDOW_MS);
}

/** The decision itself, for callers that fetched the failure counts along with something else. */
export function retryAfter(failures: { email: FailureWindow; ip: FailureWindow }, ip: string | null, now = new Date()): number | null {
  const waits = [
    [failures.email, MAX_FAILURES_PER_EMAIL] as const,
    [failures.ip, ip ? MAX_FAILURES_PER_IP : Infinity] as const,
  ]
    .filter(([w, limit]) => w.count >= limit && w.oldest)
    .map(([w]) => Math.max(1, Math.ceil((w.oldest!.getTime() + RATE_WINDOW_MS - now.getTime()) / 1000)));
  return waits.length ? Math.max(...waits) : null;
}
