import { ACCOUNT_CODE_TTL_MS } from '@somnus/runtime';

/** The numbers behind the login and code rules, in one place (docs/architecture.md §7). */

/** A sealed sessionStarterId is good for one proof within 5 minutes (docs/protocol.md §3). */
export const LOGIN_STARTER_TTL_SECONDS = 5 * 60;

/** Failed proofs are counted in windows of 15 minutes, starting at a source's (or email's) first failure. */
export const FAILURE_WINDOW_SECONDS = 15 * 60;
/** Hard limit per (email, source): only the source that keeps failing is refused, never the account. */
export const MAX_FAILURES_PER_EMAIL_AND_IP = 10;
/** Hard limit per source, whatever the emails (password spraying). */
export const MAX_FAILURES_PER_IP = 50;
/**
 * Per email only a slowdown. From 10 failures of an email within the window (from any sources), a source
 * that has itself failed for that email waits 2^(n−1) s after its n-th failure (1 s, 2 s, 4 s … at most
 * 60 s) before its next handshake or proof. A source without failures for the email is never slowed, so
 * the owner logging in from elsewhere gets in however many strangers fail; the owner who mistyped during
 * an attack waits seconds. A hard per-email limit would let anyone lock anyone out (docs/architecture.md §7).
 */
export const EMAIL_SLOWDOWN_AFTER = 10;
export const SLOWDOWN_BASE_SECONDS = 1;
export const SLOWDOWN_MAX_SECONDS = 60;

/**
 * Handshakes (login-a) per source: each costs the server a 2048-bit modexp. One a second on average, in
 * bursts of 60, is far above what the people behind one address need (a session lasts 30 days).
 */
export const MAX_LOGIN_STARTS_PER_IP = 60;
export const LOGIN_START_WINDOW_SECONDS = 60;
/**
 * Signups per source and hour: each writes an account and its organization. 100 lets a team behind one
 * address sign up on its first morning, and still bounds what one source can make.
 */
export const MAX_SIGNUPS_PER_IP = 100;
export const SIGNUP_WINDOW_SECONDS = 60 * 60;

/**
 * Account resets (POST /auth/reset) per source and hour, whatever the email: each is a code guess (the
 * code itself allows MAX_CODE_ATTEMPTS) and a transaction. 30 covers someone who mistypes a few codes, and
 * a few people behind one address, and stops a source from trying codes for one address after another.
 */
export const MAX_RESETS_PER_IP = 30;
/**
 * send-reset-code requests per source and hour, whatever the email (each writes an outbox row): far above a
 * person asking again, and the mail limits of §11.1 still decide which of them send anything.
 */
export const MAX_RESET_CODE_REQUESTS_PER_IP = 60;
export const RESET_CODE_REQUEST_WINDOW_SECONDS = 60 * 60;
export const RESET_WINDOW_SECONDS = 60 * 60;

export const CODE_TTL_MS = ACCOUNT_CODE_TTL_MS;
export const MAX_CODE_ATTEMPTS = 5;
/**
 * Reset codes: at most 20 emails per account per hour, the same ceiling as the mail limit per recipient;
 * beyond that the request is answered but sends nothing. The hard limit is per (address, source IP): 5 an
 * hour (packages/runtime/src/mail-limits.ts), so strangers asking for codes cannot stop the owner's own.
 * `notify` applies them when it handles the request (docs/architecture.md §11.3), so they live in the
 * runtime, which both functions share.
 */
export { MAX_RESET_CODES_PER_WINDOW, RESET_CODE_WINDOW_MS } from '@somnus/runtime';
/**
 * A verification email's link and code work for a day: it may be read hours after signup, and asking
 * again (POST /auth/verify) replaces both. The code allows MAX_CODE_ATTEMPTS wrong tries, like the others.
 */
export const VERIFICATION_TTL_MS = 24 * 60 * 60 * 1000;
