import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

/**
 * The local stand-in for Google's ID tokens (docs/architecture.md §11.3): a key pair the dev stack generates
 * once per data directory, whose public half the `incidents` function trusts (SOMNUS_OPERATOR_JWKS) and
 * whose private half `pnpm ops` signs short-lived operator tokens with.
 */

export const LOCAL_OPERATOR_ISSUER = 'https://operators.somnus.localhost';
export const LOCAL_OPERATOR_AUDIENCE = 'somnus-local-incidents';
export const LOCAL_OPERATOR_EMAIL = 'operator@somnus.localhost';
/** Tokens the CLI signs live this long. */
export const OPERATOR_TOKEN_TTL_SECONDS = 300;

export interface OperatorKey {
  /** Private JWK (ES256) with its kid. */
  privateJwk: JWK;
  /** The JWKS the function verifies against. */
  jwks: { keys: JWK[] };
  issuer: string;
  audience: string;
  email: string;
}

export async function generateOperatorKey(): Promise<OperatorKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = crypto.randomBytes(8).toString('hex');
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { privateJwk, jwks: { keys: [publicJwk] }, issuer: LOCAL_OPERATOR_ISSUER, audience: LOCAL_OPERATOR_AUDIENCE, email: LOCAL_OPERATOR_EMAIL };
}

export const operatorKeyFile = (dataDir: string) => path.join(dataDir, 'operator-key.json');

/** `<dataDir>/operator-key.json` (mode 0600), generated on first use. */
export async function loadOrCreateOperatorKey(dataDir: string): Promise<OperatorKey> {
  const file = operatorKeyFile(dataDir);
  if (fs.existsSync(file)) return JSON.parse(await fsp.readFile(file, 'utf8')) as OperatorKey;
  const key = await generateOperatorKey();
  await fsp.mkdir(dataDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
  await fsp.rename(tmp, file);
  return key;
}

/** The env the `incidents` function reads (operator-auth.ts) to trust this key. */
export function operatorEnv(key: OperatorKey): Record<string, string> {
  return {
    SOMNUS_OPERATOR_JWKS: JSON.stringify(key.jwks),
    SOMNUS_OPERATOR_ISSUER: key.issuer,
    SOMNUS_OPERATOR_AUDIENCE: key.audience,
    SOMNUS_OPERATOR_EMAILS: key.email,
  };
}

/** A short-lived operator token, shaped like a Google ID token (iss, aud, email, email_verified). */
export async function signOperatorToken(
  key: OperatorKey,
  opts: { ttlSeconds?: number; email?: string; audience?: string; issuer?: string; emailVerified?: boolean } = {},
): Promise<string> {
  const pk = await importJWK(key.privateJwk, 'ES256');
  const email = opts.email ?? key.email;
  return new SignJWT({ email, email_verified: opts.emailVerified ?? true })
    .setProtectedHeader({ alg: 'ES256', kid: key.privateJwk.kid!, typ: 'JWT' })
    .setIssuer(opts.issuer ?? key.issuer)
    .setAudience(opts.audience ?? key.audience)
    .setSubject(email)
    .setIssuedAt()
    .setExpirationTime(`${opts.ttlSeconds ?? OPERATOR_TOKEN_TTL_SECONDS}s`)
    .sign(pk);
}
