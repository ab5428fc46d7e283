import type { FailureCounters, FailureLimits, LiveCounter } from '@somnus/db';
import { secondsUntil } from '@somnus/runtime';
import {
  EMAIL_SLOWDOWN_AFTER,
  FAILURE_WINDOW_SECONDS,
  MAX_FAILURES_PER_EMAIL_AND_IP,
  MAX_FAILURES_PER_IP,
  SLOWDOWN_BASE_SECONDS,
  SLOWDOWN_MAX_SECONDS,
} from './policy';

/** The login limits as the reservation statement takes them (docs/architecture.md §7). */
export const LOGIN_FAILURE_LIMITS: FailureLimits = {
  windowSeconds: FAILURE_WINDOW_SECONDS,
  maxPerEmailAndIp: MAX_FAILURES_PER_EMAIL_AND_IP,
  maxPerIp: MAX_FAILURES_PER_IP,
  slowdownAfter: EMAIL_SLOWDOWN_AFTER,
  slowdownBaseSeconds: SLOWDOWN_BASE_SECONDS,
  slowdownMaxSeconds: SLOWDOWN_MAX_SECONDS,
};

/** How long a source that failed n times for an email under attack waits before its next try. */
export function slowdownSeconds(failures: number): number {
  return Math.min(SLOWDOWN_MAX_SECONDS, SLOWDOWN_BASE_SECONDS * 2 ** (failures - 1));
}


/**
 * Seconds this source must wait before another handshake or proof for this email, or null when it may go
 * on. The same rules as the reservation's SQL (reserveLoginFailure): hard limits per (email, source) and per
 * source; the email's own count only slows a source that has failed for it itself, so it never refuses a
 * source without failures.
 */
export function loginRetryAfter(f: FailureCounters, now: Date): number | null {
  const waits: number[] = [];
  const hardLimit = (c: LiveCounter | null, max: number) => {
    if (c && c.hits >= max) waits.push(secondsUntil(c.resetsAt, now));
  };
  hardLimit(f.pair, MAX_FAILURES_PER_EMAIL_AND_IP);
  hardLimit(f.ip, MAX_FAILURES_PER_IP);
  if (f.pair && f.pair.hits > 0 && f.email && f.email.hits >= EMAIL_SLOWDOWN_AFTER) {
    const next = new Date(f.pair.lastAt.getTime() + slowdownSeconds(f.pair.hits) * 1000);
    if (next > now) waits.push(secondsUntil(next, now));
  }
  return waits.length ? Math.max(...waits) : null;
}

// the shared answers of a rate limit, re-exported where the auth use cases import them
export { rateLimited, requestRetryAfter } from '@somnus/runtime';
