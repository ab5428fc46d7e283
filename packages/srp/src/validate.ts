/**
 * Input checks. Two kinds, treated differently on purpose:
 * - values a client sends (A, M1, B on the client side) are untrusted: a bad one is an expected
 *   failure and becomes a result value (server) or a thrown Error (client aborting a handshake);
 * - values the server stores or the caller computes (salt, verifier, b, identity) are trusted:
 *   a malformed one is a bug or a corrupted row, so it throws a TypeError.
 */
import { hexToBigint, hexToBytes, isHex } from './bytes';
import { N, N_HEX_LENGTH, SECRET_HEX_LENGTH } from './params';

/**
 * A as sent by a client: 1..512 hex chars and 0 < A < N. A ≡ 0 (mod N) is the famous SRP bypass
 * (it forces S = 0 without the password); A ≥ N is refused too, so A mod N ≠ 0 reduces to A ≠ 0.
 * Note A = kN for k ≥ 2 is always > 512 hex chars (2N > 2^2048) and fails the length test.
 */
export function isValidClientPublicKey(AHex: string): boolean {
  if (!isHex(AHex, 1, N_HEX_LENGTH)) return false;
  const A = hexToBigint(AHex);
  return A > 0n && A < N && A % N !== 0n;
}

/** B as received by a client: 0 < B < N, optionally exactly 512 hex chars (srp-js asserts that). */
export function isValidServerPublicKey(BHex: string, requireFullLength: boolean): boolean {
  if (!isHex(BHex, requireFullLength ? N_HEX_LENGTH : 1, N_HEX_LENGTH)) return false;
  const B = hexToBigint(BHex);
  return B > 0n && B < N && B % N !== 0n;
}

export function requireIdentity(identity: string): string {
  if (typeof identity !== 'string') throw new TypeError('identity must be a string');
  return identity;
}

/** Salt: even-length hex (both libraries hash it as the bytes the hex spells, leading zeros kept). */
export function requireSalt(saltHex: string): Buffer {
  if (!isHex(saltHex, 2) || saltHex.length % 2 !== 0) throw new TypeError('salt must be non-empty, even-length hex');
  return hexToBytes(saltHex);
}

/** Verifier v = g^x mod N: up to 512 hex chars, 0 < v < N (g^x is never 0). */
export function requireVerifier(verifierHex: string): bigint {
  if (!isHex(verifierHex, 1, N_HEX_LENGTH)) throw new TypeError('verifier must be 1..512 hex chars');
  const v = hexToBigint(verifierHex);
  if (v <= 0n || v >= N) throw new TypeError('verifier must be in [1, N-1]');
  return v;
}

/** Ephemeral secret a or b: exactly 64 hex chars (32 bytes), not zero. */
export function requireSecret(secretHex: string, name: 'a' | 'b'): bigint {
  if (!isHex(secretHex, SECRET_HEX_LENGTH, SECRET_HEX_LENGTH)) throw new TypeError(`${name} must be 64 hex chars`);
  const secret = hexToBigint(secretHex);
  if (secret === 0n) throw new TypeError(`${name} must not be zero`);
  return secret;
}
