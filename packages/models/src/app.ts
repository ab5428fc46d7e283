import { z } from 'zod';

/**
 * What current Insomnia clients ask besides accounts, organizations and sync (docs/protocol.md §6, §6a):
 * their plan at startup, notifications, telemetry and git sync sign-in.
 */

/**
 * The one plan of a self-hosted deployment: no billing, every feature the server has. `type: 'team'` makes
 * the client treat the account as a paid team plan (no "upgrade to sync" prompts, organizations allowed);
 * whoami's plan fields and the org features say the same thing.
 */
export const SELF_HOSTED_PLAN = {
  planId: 'somnus-self-hosted',
  planName: 'Somnus self-hosted',
  type: 'team',
  period: 'year',
} as const;

/** GET /v1/billing/current-plan — the client's `CurrentPlan` type; it refuses to start without a truthy planId. */
export const currentPlanResponse = z.object({
  isActive: z.boolean(),
  period: z.enum(['month', 'year']),
  planId: z.string().min(1),
  price: z.number(),
  /** Seats per team organization; 0 when the deployment sets no limit. */
  quantity: z.number().int().min(0),
  type: z.enum(['free', 'individual', 'team', 'enterprise', 'enterprise-member']),
});
export type CurrentPlanResponse = z.infer<typeof currentPlanResponse>;

/** POST /notification: the client shows a toast for an object and nothing for `null`. Somnus has none to show. */
export const notificationResponse = z.null();

/** POST /v1/oauth/github — the code GitHub handed to the app through the sign-in page. */
export const githubOauthBody = z.object({ code: z.string().min(1).max(256).regex(/^[\x21-\x7e]+$/, 'a code is printable ASCII') });
export const githubOauthResponse = z.object({ access_token: z.string().min(1) });

/** GET /v1/oauth/gitlab/config — what the app needs to run PKCE against GitLab itself. */
export const gitlabConfigResponse = z.object({ applicationId: z.string().min(1), redirectUri: z.string().min(1) });

/** GET /oauth/github: the sign-in page the app opens in the browser (`state` comes back to the app unchanged). */
export const githubSignInQuery = z.object({
  state: z.string().min(1).max(256),
  scope: z.string().max(256).optional(),
});

/**
 * GET /oauth/github/callback and /oauth/gitlab/callback: where the provider sends the browser back, with the
 * code for the app, or with `error` (and no code) when the user declined.
 */
export const githubCallbackQuery = z.object({
  code: z.string().min(1).max(256).optional(),
  state: z.string().min(1).max(256),
  error: z.string().max(256).optional(),
  error_description: z.string().max(1024).optional(),
  error_uri: z.string().max(1024).optional(),
});

/** A browser redirect: the route answers 302 with this Location. */
export const redirectResponse = z.object({ location: z.string().min(1) });

/**
 * What a `static` route's handler gives the router (docs/architecture.md §13): a file, which the router
 * writes with the page headers (CSP and the rest) and answers `304` when the request's If-None-Match is its
 * ETag; or the canonical URL of a page, answered with a `308` (`/app` → `/app/`, the query kept).
 */
export const staticResponse = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('file'),
    body: z.custom<Uint8Array>((v) => v instanceof Uint8Array, "the file's bytes"),
    contentType: z.string().min(1),
    cacheControl: z.string().min(1),
    etag: z.string().min(1),
  }),
  z.object({ kind: z.literal('redirect'), location: z.string().startsWith('/') }),
]);

export type StaticAnswer = z.output<typeof staticResponse>;

/**
 * The headers of every answer on a `static` route (the account web app under `/app/`, docs/architecture.md
 * §13), refusals included. The pages handle the passphrase and the account key, so: only our own scripts
 * and styles run (no inline code, no other origin: an injected string cannot become script), the page talks
 * to its own origin only, no other site may frame it (clickjacking the sign-in), and the sign-in URL, whose
 * query carries the app's loginKey, is never sent on as a Referer.
 */
export const PAGE_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': PAGE_CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  // a window the page opens (or that opens it) gets no handle on it
  'Cross-Origin-Opener-Policy': 'same-origin',
};
