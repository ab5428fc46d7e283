/**
 * The JWK shapes of docs/protocol.md §2, made and checked in the browser.
 *
 * Member order is part of the wire format: a project key is RSA-wrapped as
 * encodeURIComponent(JSON.stringify(aesJwk)), which for these five members in alphabetical order is
 * exactly the 190 bytes RSA-OAEP-SHA256 can carry with a 2048-bit key (docs/protocol.md §2 ⚠). So
 * every object here is rebuilt member by member in alphabetical order (what browsers export, and
 * what @somnus/crypto writes), whatever order WebCrypto or the server handed us.
 */
import { base64UrlToBytes, bytesToBase64Url, type Bytes } from './encoding';
import { WebCryptoError } from './errors';
import { randomBytes } from './random';
import { subtle, type SubtleKey } from './subtle';

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
  dp: string;
  dq: string;
  p: string;
  q: string;
  qi: string;
}

export const AES_KEY_BYTES = 32;
const B64URL = /^[A-Za-z0-9_-]+$/;

function invalid(message: string): WebCryptoError {
  return new WebCryptoError('INVALID_KEY', message);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function b64(jwk: Record<string, unknown>, member: string, what: string): string {
  const v = jwk[member];
  if (typeof v !== 'string' || !B64URL.test(v)) throw invalid(`${what}: "${member}" must be a base64url string`);
  return v;
}

function keyOps(jwk: Record<string, unknown>, what: string): string[] {
  const ops = jwk['key_ops'];
  if (!Array.isArray(ops) || !ops.every((o) => typeof o === 'string')) throw invalid(`${what}: key_ops must be an array of strings`);
  return [...(ops as string[])];
}

/** A fresh account or project key: 32 random bytes as the five-member JWK a browser would export. */
export function generateAesJwk(): AesJwk {
  return { alg: 'A256GCM', ext: true, k: bytesToBase64Url(randomBytes(AES_KEY_BYTES)), key_ops: ['encrypt', 'decrypt'], kty: 'oct' };
}

/** Validates an AES JWK and rebuilds it with exactly the protocol's five members, in order. */
export function parseAesJwk(value: unknown): AesJwk {
  const jwk = record(value, 'AES key JWK');
  if (jwk['kty'] !== 'oct') throw invalid('AES key JWK must have kty "oct"');
  if (jwk['alg'] !== 'A256GCM') throw invalid('AES key JWK must have alg "A256GCM"');
  if (jwk['ext'] !== true) throw invalid('AES key JWK must have ext true');
  const k = b64(jwk, 'k', 'AES key JWK');
  if (base64UrlToBytes(k, 'AES key JWK k').length !== AES_KEY_BYTES) throw invalid(`AES key JWK must hold ${AES_KEY_BYTES} bytes`);
  return { alg: 'A256GCM', ext: true, k, key_ops: keyOps(jwk, 'AES key JWK'), kty: 'oct' };
}

/** The raw key bytes of an AES JWK (checked as parseAesJwk does). */
export function aesKeyBytes(jwk: AesJwk): Bytes {
  return base64UrlToBytes(parseAesJwk(jwk).k, 'AES key JWK k');
}

function rsaCommon(value: unknown, what: string, op: 'encrypt' | 'decrypt'): Record<string, unknown> {
  const jwk = record(value, what);
  if (jwk['alg'] !== 'RSA-OAEP-256') throw invalid(`${what} must have alg "RSA-OAEP-256"`);
  if (jwk['kty'] !== 'RSA') throw invalid(`${what} must have kty "RSA"`);
  if (!keyOps(jwk, what).includes(op)) throw invalid(`${what} must have key_ops containing "${op}"`);
  // Insomnia makes 2048-bit keys; a smaller modulus is refused as @somnus/crypto refuses it.
  const n = base64UrlToBytes(b64(jwk, 'n', what), `${what} n`);
  const lead = n.findIndex((b) => b !== 0);
  const bits = lead < 0 ? 0 : (n.length - lead - 1) * 8 + (32 - Math.clz32(n[lead]!));
  if (bits < 2048) throw invalid(`${what}: modulus must be at least 2048 bits`);
  b64(jwk, 'e', what);
  return jwk;
}

export function parseRsaPublicJwk(value: unknown): RsaPublicJwk {
  const jwk = rsaCommon(value, 'RSA public key JWK', 'encrypt');
  for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi']) {
    if (m in jwk) throw invalid(`RSA public key JWK must not contain the private member "${m}"`);
  }
  return { alg: 'RSA-OAEP-256', e: jwk['e'] as string, ext: true, key_ops: keyOps(jwk, 'RSA public key JWK'), kty: 'RSA', n: jwk['n'] as string };
}

export function parseRsaPrivateJwk(value: unknown): RsaPrivateJwk {
  const what = 'RSA private key JWK';
  const jwk = rsaCommon(value, what, 'decrypt');
  const m = (name: string) => b64(jwk, name, what);
  return {
    alg: 'RSA-OAEP-256',
    d: m('d'),
    dp: m('dp'),
    dq: m('dq'),
    e: m('e'),
    ext: true,
    key_ops: keyOps(jwk, what),
    kty: 'RSA',
    n: m('n'),
    p: m('p'),
    q: m('q'),
    qi: m('qi'),
  };
}

const RSA_OAEP_256 = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;

/** The account key pair: RSA-OAEP-2048, e = 65537, SHA-256 (docs/protocol.md §2). */
export async function generateRsaKeyPair(): Promise<{ publicJwk: RsaPublicJwk; privateJwk: RsaPrivateJwk }> {
  const s = subtle();
  const pair = await s.generateKey({ ...RSA_OAEP_256, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ['encrypt', 'decrypt']);
  const exported = await s.exportKey('jwk', pair.privateKey);
  // Exported with key_ops ["decrypt"]; rebuilt so member order does not depend on the browser.
  const privateJwk = parseRsaPrivateJwk({ ...exported, key_ops: ['decrypt'] });
  const publicJwk: RsaPublicJwk = { alg: 'RSA-OAEP-256', e: privateJwk.e, ext: true, key_ops: ['encrypt'], kty: 'RSA', n: privateJwk.n };
  return { publicJwk, privateJwk };
}

/** WebCrypto key objects for RSA-OAEP-256; only the RSA members are imported. */
export function importRsaPublicKey(jwk: RsaPublicJwk): Promise<SubtleKey> {
  const { e, n } = parseRsaPublicJwk(jwk);
  return subtle().importKey('jwk', { kty: 'RSA', e, n, alg: 'RSA-OAEP-256', ext: true }, RSA_OAEP_256, false, ['encrypt']);
}

export function importRsaPrivateKey(jwk: RsaPrivateJwk): Promise<SubtleKey> {
  const { d, dp, dq, e, n, p, q, qi } = parseRsaPrivateJwk(jwk);
  return subtle().importKey('jwk', { kty: 'RSA', d, dp, dq, e, n, p, q, qi, alg: 'RSA-OAEP-256', ext: true }, RSA_OAEP_256, false, ['decrypt']);
}
