/** The numbers behind the login and code rules, in one place (docs/architecture.md §7). */
export const LOGIN_SESSION_TTL_MS = 5 * 60 * 1000;
export const MAX_M1_ATTEMPTS = 5;
export const RATE_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_EMAIL = 10;
export const MAX_FAILURES_PER_IP = 50;
export const CODE_TTL_MS = 15 * 60 * 1000;
export const MAX_CODE_ATTEMPTS = 5;
/** Reset codes: at most 5 emails per account per hour; beyond that the request is answered but sends nothing. */
export const MAX_RESET_CODES_PER_WINDOW = 5;
export const RESET_CODE_WINDOW_MS = 60 * 60 * 1000;
