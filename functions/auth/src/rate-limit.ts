import { countFailuresForEmail, countFailuresForIp, type Queryable } from '@somnus/db';
import { MAX_FAILURES_PER_EMAIL, MAX_FAILURES_PER_IP, RATE_WINDOW_MS } from './policy';

/**
 * Too many failed logins for an email (10 in 15 min) or from an IP (50 in 15 min) → wait.
 * Returns the seconds until the oldest counted failure leaves the window, or null when allowed.
 */
export async function loginRetryAfter(db: Queryable, email: string, ip: string | null, now = new Date()): Promise<number | null> {
  const since = new Date(now.getTime() - RATE_WINDOW_MS);
  const windows = [await countFailuresForEmail(db, email, since)];
  const limits = [MAX_FAILURES_PER_EMAIL];
  if (ip) {
    windows.push(await countFailuresForIp(db, ip, since));
    limits.push(MAX_FAILURES_PER_IP);
  }
  let wait: number | null = null;
  windows.forEach((w, i) => {
    if (w.count >= limits[i]! && w.oldest) {
      const seconds = Math.max(1, Math.ceil((w.oldest.getTime() + RATE_WINDOW_MS - now.getTime()) / 1000));
      wait = Math.max(wait ?? 0, seconds);
    }
  });
  return wait;
}
