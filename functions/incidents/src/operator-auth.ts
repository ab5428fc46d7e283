import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';

/**
 * Who may call `incidents` (docs/architecture.md §11.3): a bearer JWT verified with `jose` against a
 * configured JWKS, from an allow-listed, verified email. In GCP the token is a Google-signed ID token
 * (issuer https://accounts.google.com, audience the function's URL), checked here again after Cloud Run's
 * IAM let it in; locally it is signed by a key pair the dev stack generates (`.data/operator-key.json`),
 * with which `pnpm ops` signs short-lived tokens. Anything else is 401.
 */

export interface OperatorAuthConfig {
  /** Inline JWKS (JSON), used locally. */
  jwks: string | null;
  /** A JWKS URL (Google's certificates in GCP). */
  jwksUrl: string | null;
  issuer: string;
  /**
   * Accepted audiences (SOMNUS_OPERATOR_AUDIENCE, comma-separated): in GCP the function's own URL, which infra
   * sets, and `somnus:operatorAudiences`. Only these: never the request's Host header, which the caller chooses.
   */
  audiences: string[];
  /** Lowercase emails of the operators (SOMNUS_OPERATOR_EMAILS): every route. */
  emails: string[];
  /**
   * Lowercase emails of the outbox sweeper's identity (SOMNUS_SWEEPER_EMAILS; in GCP the scheduler's service
   * account): `POST /ops/outbox/dispatch` only, 403 on every other route.
   */
  sweeperEmails: string[];
}

/** What a verified caller may do: an operator everything, the sweeper only dispatch the outbox. */
export type OperatorRole = 'operator' | 'sweeper';

export const GOOGLE_ISSUER = 'https://accounts.google.com';
export const GOOGLE_JWKS_URL = 'https://www.googleapis.com/oauth2/v3/certs';
/** Tokens older than this are refused even before they expire (Google's last an hour). */
export const MAX_TOKEN_AGE = '1h';

const list = (raw: string | undefined) =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function operatorAuthConfig(env: NodeJS.ProcessEnv = process.env): OperatorAuthConfig {
  const jwks = env.SOMNUS_OPERATOR_JWKS || null;
  const jwksUrl = env.SOMNUS_OPERATOR_JWKS_URL || (jwks ? null : GOOGLE_JWKS_URL);
  return {
    jwks,
    jwksUrl,
    issuer: env.SOMNUS_OPERATOR_ISSUER || GOOGLE_ISSUER,
    audiences: list(env.SOMNUS_OPERATOR_AUDIENCE),
    emails: list(env.SOMNUS_OPERATOR_EMAILS).map((e) => e.toLowerCase()),
    sweeperEmails: list(env.SOMNUS_SWEEPER_EMAILS).map((e) => e.toLowerCase()),
  };
}

const keySets = new Map<string, JWTVerifyGetKey>();

function keySetOf(c: OperatorAuthConfig): JWTVerifyGetKey {
  const key = c.jwks ? `inline:${c.jwks}` : `url:${c.jwksUrl}`;
  let set = keySets.get(key);
  if (!set) {
    set = c.jwks ? createLocalJWKSet(JSON.parse(c.jwks)) : createRemoteJWKSet(new URL(c.jwksUrl!));
    keySets.set(key, set);
  }
  return set;
}

export type OperatorCheck = { ok: true; email: string; role: OperatorRole } | { ok: false; reason: string };

/** The operator behind an `Authorization: Bearer …` header, or why not (the reason is logged, never answered). */
export async function verifyOperator(authorization: string | undefined, c: OperatorAuthConfig = operatorAuthConfig()): Promise<OperatorCheck> {
  const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!m) return { ok: false, reason: 'no bearer token' };
  if (c.emails.length === 0 && c.sweeperEmails.length === 0) return { ok: false, reason: 'no operator emails configured (SOMNUS_OPERATOR_EMAILS)' };
  const audiences = c.audiences;
  if (audiences.length === 0) return { ok: false, reason: 'no audience configured (SOMNUS_OPERATOR_AUDIENCE)' };
  try {
    const { payload } = await jwtVerify(m[1]!, keySetOf(c), {
      issuer: c.issuer,
      audience: audiences,
      algorithms: ['RS256', 'ES256'],
      requiredClaims: ['exp', 'iat', 'email'],
      maxTokenAge: MAX_TOKEN_AGE,
      clockTolerance: 30,
    });
    const email = typeof payload.email === 'string' ? payload.email.toLowerCase() : '';
    if (payload.email_verified !== true) return { ok: false, reason: 'email not verified in the token' };
    if (c.emails.includes(email)) return { ok: true, email, role: 'operator' };
    if (c.sweeperEmails.includes(email)) return { ok: true, email, role: 'sweeper' };
    return { ok: false, reason: 'email not on the operator allow-list' };
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) return { ok: false, reason: `token refused: ${err.code}` };
    return { ok: false, reason: `token refused: ${(err as Error).name}` };
  }
}
