import { fail, type Result } from './result';

/** Whole seconds from `now` until `t`, at least 1: what a Retry-After header says. */
export const secondsUntil = (t: Date, now: Date): number => Math.max(1, Math.ceil((t.getTime() - now.getTime()) / 1000));

/** A source over a per-source request limit: wait until its window closes (null: it may go on). */
export function requestRetryAfter(count: { hits: number; resetsAt: Date } | null, max: number, now: Date): number | null {
  return count && count.hits > max ? secondsUntil(count.resetsAt, now) : null;
}

/** 429 with Retry-After, the answer of every rate limit. */
export const rateLimited = <T>(seconds: number, message = 'Too many attempts; try again later'): Result<T> =>
  fail<T>('RATE_LIMITED', message, { headers: { 'Retry-After': String(seconds) } });
