/**
 * JWK shapes of the account and project keys, generated and validated without WebCrypto.
 *
 * Field order matters, not just field values: the RSA-wrapped project key is
 * encodeURIComponent(JSON.stringify(aesJwk)), which for these five fields in this order is exactly
 * the 190-byte RSA-OAEP-2048 limit. Browsers export members alphabetically, so every object built
 * here lists its members alphabetically too, and parsed keys are rebuilt in that order.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { isBase64Url } from './encoding';
import { InvalidKeyError } from './errors';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface AesJwk {
  alg: 'A256GCM';
  ext: true;
  k: string;
  key_ops: string[];
  kty: 'oct';
}

export interface RsaPublicJwk {
  alg: 'RSA-OAEP-256';
  e: string;
  ext: true;
  key_ops: string[];
  kty: 'RSA';
  n: string;
}

export interface RsaPrivateJwk extends RsaPublicJwk {
  d: string;
  p: string;
  q: string;
  dp: string;
  dq: string;
  qi: string;
}

export const AES_KEY_BYTES = 32;
/** Smallest modulus we encrypt to or accept as a public key; Insomnia always makes 2048-bit keys. */
export const MIN_RSA_MODULUS_BITS = 2048;
const RSA_PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/** A fresh AES-256-GCM key, as WebCrypto generateKey + exportKey('jwk') would give it. */
export function generateAesJwk(): AesJwk {
  return { alg: 'A256GCM', ext: true, k: randomBytes(AES_KEY_BYTES).toString('base64url'), key_ops: ['encrypt', 'decrypt'], kty: 'oct' };
}

/** RSA-OAEP 2048 / e=65537 / SHA-256 key pair, as WebCrypto would export it. Async: keygen takes ~50-200 ms. */
export async function generateRsaKeyPair(): Promise<{ publicJwk: RsaPublicJwk; privateJwk: RsaPrivateJwk }> {
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const jwk = privateKey.export({ format: 'jwk' });
  const privateJwk = rsaPrivateJwkFrom(jwk, 'generated RSA key');
  return { publicJwk: rsaPublicJwkFrom(privateJwk, ['encrypt']), privateJwk };
}

// ---------------------------------------------------------------------------------------------
// Validation. Keys arrive as JSON from the server or from other clients, so nothing is trusted.

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function requireB64(jwk: Record<string, unknown> | JsonWebKey, member: string, what: string): string {
  const value = (jwk as Record<string, unknown>)[member];
  if (typeof value !== 'string' || value.length === 0 || !isBase64Url(value)) {
    throw new InvalidKeyError(`${what}: "${member}" must be a non-empty base64url string`);
  }
  return value;
}

/** Key size in bits from the base64url modulus, ignoring any leading zero bytes. */
export function rsaModulusBits(n: string): number {
  const bytes = Buffer.from(n, 'base64url');
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  const first = bytes[i];
  if (first === undefined) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(first));
}

/**
 * The raw 32 AES key bytes from a JWK. Lenient on purpose (only kty, k and, when present, alg are
 * checked), matching what WebCrypto importKey accepts, so keys from any client still work.
 */
export function aesKeyBytesFromJwk(jwk: unknown): Buffer {
  if (!isRecord(jwk) || jwk['kty'] !== 'oct') throw new InvalidKeyError('AES key JWK must have kty "oct"');
  if (jwk['alg'] !== undefined && jwk['alg'] !== 'A256GCM') throw new InvalidKeyError('AES key JWK must have alg "A256GCM"');
  const k = requireB64(jwk, 'k', 'AES key JWK');
  const bytes = Buffer.from(k, 'base64url');
  if (bytes.length !== AES_KEY_BYTES) throw new InvalidKeyError(`AES key JWK must hold ${AES_KEY_BYTES} bytes, got ${bytes.length}`);
  return bytes;
}

/**
 * Validates an AES JWK and returns it rebuilt with exactly the five protocol members in browser
 * order, so that re-serialising it (e.g. for RSA wrapping) never grows past 190 bytes.
 */
export function parseAesJwk(value: unknown): AesJwk {
  aesKeyBytesFromJwk(value);
  const jwk = value as Record<string, unknown>;
  if (jwk['alg'] !== 'A256GCM') throw new InvalidKeyError('AES key JWK must have alg "A256GCM"');
  if (jwk['ext'] !== true) throw new InvalidKeyError('AES key JWK must have ext true');
  const keyOps = jwk['key_ops'];
  if (!isStringArray(keyOps)) throw new InvalidKeyError('AES key JWK must have key_ops as an array of strings');
  return { alg: 'A256GCM', ext: true, k: jwk['k'] as string, key_ops: [...keyOps], kty: 'oct' };
}

function checkRsaCommon(value: unknown, what: string, requiredOp: 'encrypt' | 'decrypt'): Record<string, unknown> {
  if (!isRecord(value)) throw new InvalidKeyError(`${what} must be a JSON object`);
  // The same checks Insomnia's encryptRSAWithJWK makes before encrypting.
  if (value['alg'] !== 'RSA-OAEP-256') throw new InvalidKeyError(`${what} must have alg "RSA-OAEP-256"`);
  if (value['kty'] !== 'RSA') throw new InvalidKeyError(`${what} must have kty "RSA"`);
  const keyOps = value['key_ops'];
  if (!isStringArray(keyOps) || !keyOps.includes(requiredOp)) {
    throw new InvalidKeyError(`${what} must have key_ops containing "${requiredOp}"`);
  }
  if (value['ext'] !== undefined && typeof value['ext'] !== 'boolean') throw new InvalidKeyError(`${what}: ext must be a boolean`);
  const n = requireB64(value, 'n', what);
  requireB64(value, 'e', what);
  const bits = rsaModulusBits(n);
  if (bits < MIN_RSA_MODULUS_BITS) throw new InvalidKeyError(`${what}: modulus is ${bits} bits, need at least ${MIN_RSA_MODULUS_BITS}`);
  return value;
}

function rsaPublicJwkFrom(jwk: { e: string; n: string }, keyOps: string[]): RsaPublicJwk {
  return { alg: 'RSA-OAEP-256', e: jwk.e, ext: true, key_ops: keyOps, kty: 'RSA', n: jwk.n };
}

function rsaPrivateJwkFrom(jwk: Record<string, unknown> | JsonWebKey, what: string): RsaPrivateJwk {
  const m = (name: string) => requireB64(jwk, name, what);
  // Alphabetical, like a browser export (verified against a real browser-made key).
  return {
    alg: 'RSA-OAEP-256',
    d: m('d'),
    dp: m('dp'),
    dq: m('dq'),
    e: m('e'),
    ext: true,
    key_ops: ['decrypt'],
    kty: 'RSA',
    n: m('n'),
    p: m('p'),
    q: m('q'),
    qi: m('qi'),
  };
}

/**
 * Validates a public JWK (Insomnia's own checks plus size and "no private members", so a client
 * that uploads its private key as `publicKey` is refused) and rebuilds it in browser order.
 */
export function parseRsaPublicJwk(value: unknown): RsaPublicJwk {
  const jwk = checkRsaCommon(value, 'RSA public key JWK', 'encrypt');
  for (const member of RSA_PRIVATE_MEMBERS) {
    if (member in jwk) throw new InvalidKeyError(`RSA public key JWK must not contain the private member "${member}"`);
  }
  return rsaPublicJwkFrom({ e: jwk['e'] as string, n: jwk['n'] as string }, [...(jwk['key_ops'] as string[])]);
}

export function parseRsaPrivateJwk(value: unknown): RsaPrivateJwk {
  const jwk = checkRsaCommon(value, 'RSA private key JWK', 'decrypt');
  const parsed = rsaPrivateJwkFrom(jwk, 'RSA private key JWK');
  parsed.key_ops = [...(jwk['key_ops'] as string[])];
  return parsed;
}

/** Shape check for a stored `publicKey` string; the server reuses it to validate signups. */
export function isRsaPublicJwkJson(s: string): boolean {
  try {
    parseRsaPublicJwk(JSON.parse(s));
    return true;
  } catch {
    return false;
  }
}

// Node KeyObjects from the JWKs. Only the RSA members are passed, so Node never has to interpret
// alg/ext/key_ops (which it ignores today but need not forever).

export function rsaPublicKeyObject(jwk: RsaPublicJwk): KeyObject {
  try {
    return createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
  } catch (cause) {
    throw new InvalidKeyError('RSA public key JWK could not be imported', { cause });
  }
}

export function rsaPrivateKeyObject(jwk: RsaPrivateJwk): KeyObject {
  const { n, e, d, p, q, dp, dq, qi } = jwk;
  try {
    return createPrivateKey({ key: { kty: 'RSA', n, e, d, p, q, dp, dq, qi }, format: 'jwk' });
  } catch (cause) {
    throw new InvalidKeyError('RSA private key JWK could not be imported', { cause });
  }
}
