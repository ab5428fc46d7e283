import type { FailureWindow } from '@somnus/db';
import { MAX_FAILURES_PER_EMAIL, MAX_FAILURES_PER_IP, RATE_WINDOW_MS } from './policy';

/** Failures are counted from here: the last 15 minutes. */
export function rateWindowStart(now = new Date()): Date {
  return new Date(now.getTime() - RATE_WINDOW_MS);
}

/**
 * After 10 failed logins for an email, or 50 from an IP, within the window, the next attempt waits.
 * Returns the seconds until the oldest counted failure leaves the window, or null when allowed.
 * The counts arrive with other reads of login-a and login-m1, in the same statement.
 */
export function retryAfter(failures: { email: FailureWindow; ip: FailureWindow }, ip: string | null, now = new Date()): number | null {
  const waits = [
    [failures.email, MAX_FAILURES_PER_EMAIL] as const,
    [failures.ip, ip ? MAX_FAILURES_PER_IP : Infinity] as const,
  ]
    .filter(([w, limit]) => w.count >= limit && w.oldest)
    .map(([w]) => Math.max(1, Math.ceil((w.oldest!.getTime() + RATE_WINDOW_MS - now.getTime()) / 1000)));
  return waits.length ? Math.max(...waits) : null;
}
