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
   * Accepted audiences. With Google's keys the function's own URL (https://<Host>) is accepted too: Cloud
   * Run's IAM checked the token's audience against the service before the request got here.
   */
  audiences: string[];
  /** Lowercase emails allowed to operate (operators, and the scheduler's account for the sweeper). */
  emails: string[];
}

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

export type OperatorCheck = { ok: true; email: string } | { ok: false; reason: string };

/** The operator behind an `Authorization: Bearer …` header, or why not (the reason is logged, never answered). */
export async function verifyOperator(
  authorization: string | undefined,
  host: string | undefined,
  c: OperatorAuthConfig = operatorAuthConfig(),
): Promise<OperatorCheck> {
  const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!m) return { ok: false, reason: 'no bearer token' };
  if (c.emails.length === 0) return { ok: false, reason: 'no operator emails configured (SOMNUS_OPERATOR_EMAILS)' };
  const ownUrl = c.issuer === GOOGLE_ISSUER && host && /^[A-Za-z0-9.-]+(:\d+)?$/.test(host) ? [`https://${host}`] : [];
  const audiences = [...c.audiences, ...ownUrl];
  if (audiences.length === 0) return { ok: false, reason: 'no audience to check' };
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
    if (!c.emails.includes(email)) return { ok: false, reason: 'email not on the operator allow-list' };
    return { ok: true, email };
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) return { ok: false, reason: `token refused: ${err.code}` };
    return { ok: false, reason: `token refused: ${(err as Error).name}` };
  }
}
