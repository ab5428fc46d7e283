import { sha256 } from '@noble/hashes/sha2';

/**
 * The fingerprint of an account's public key (docs/key-authenticity.md): what two people compare out of band
 * to know that the key a server hands out is really that person's. Shared by the SDK, the CLI, the web app
 * and the server (which checks an approval against the current key), so it lives here, in plain JS that
 * runs in Node and in the browser.
 *
 * - The digest is the RFC 7638 JWK thumbprint with SHA-256: the JSON of the required members only
 *   (`e`, `kty`, `n` for RSA), in that order, no whitespace. Extra members (`alg`, `ext`, `key_ops`) and key
 *   order in the stored JSON do not change it.
 * - It is shown as 6 groups of 5 digits (Signal's safety numbers do the same): each group is 5 bytes of the
 *   digest, big-endian, modulo 100000. 30 of the 32 bytes are used, about 100 bits: enough that nobody can
 *   make a second key with the same fingerprint, short enough to read aloud.
 */

export const FINGERPRINT_PATTERN = /^\d{5}( \d{5}){5}$/;

export interface RsaPublicJwkLike {
  kty: string;
  n: string;
  e: string;
}

/** The RFC 7638 thumbprint input of an RSA public JWK. */
export function thumbprintInput(jwk: RsaPublicJwkLike): string {
  if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string' || !jwk.n || !jwk.e) {
    throw new TypeError('a fingerprint needs an RSA public JWK with kty, n and e');
  }
  return JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
}

/** The 32-byte SHA-256 JWK thumbprint. */
export function publicKeyThumbprint(jwk: RsaPublicJwkLike): Uint8Array {
  return sha256(new TextEncoder().encode(thumbprintInput(jwk)));
}

/** The fingerprint of a public key given as the JWK or as the JSON string accounts store (`publicKey`). */
export function fingerprintOf(publicKey: RsaPublicJwkLike | string): string {
  const jwk = typeof publicKey === 'string' ? (JSON.parse(publicKey) as RsaPublicJwkLike) : publicKey;
  const digest = publicKeyThumbprint(jwk);
  const groups: string[] = [];
  for (let g = 0; g < 6; g++) {
    let value = 0n;
    for (let i = 0; i < 5; i++) value = (value << 8n) | BigInt(digest[g * 5 + i]!);
    groups.push(String(value % 100000n).padStart(5, '0'));
  }
  return groups.join(' ');
}

/** Two fingerprints as people type them (spaces, dashes, any grouping) are the same. */
export function sameFingerprint(a: string, b: string): boolean {
  const digits = (s: string) => s.replace(/[\s-]/g, '');
  const x = digits(a);
  const y = digits(b);
  return /^\d{30}$/.test(x) && x === y;
}
