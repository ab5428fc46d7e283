/**
 * Insomnia's passphrase KDF in WebCrypto (docs/protocol.md §2), byte-compatible with @somnus/crypto:
 *   1. HKDF-SHA256(ikm = UTF-8(email), salt = the ASCII bytes of the salt's *hex string* (not the
 *      decoded bytes), info = empty) → 32 bytes;
 *   2. PBKDF2-HMAC-SHA256(UTF-8(passphrase), those 32 bytes, 100 000 iterations) → 32 bytes, as hex.
 *
 * Inputs are used as given: callers normalise (normalise.ts) so the published vectors, which are not
 * normalised, can be checked as they are.
 */
import { bytesToHex, utf8 } from './encoding';
import { subtle } from './subtle';

/** Fixed by the protocol: another count would lock every existing account out. */
export const PBKDF2_ITERATIONS = 100_000;
const KEY_BITS = 256;

export async function deriveKey(passphrase: string, email: string, saltHex: string): Promise<string> {
  const s = subtle();
  const emailKey = await s.importKey('raw', utf8(email), 'HKDF', false, ['deriveBits']);
  const combined = await s.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: utf8(saltHex), info: new Uint8Array(0) }, emailKey, KEY_BITS);
  const passKey = await s.importKey('raw', utf8(passphrase), 'PBKDF2', false, ['deriveBits']);
  const bits = await s.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: combined, iterations: PBKDF2_ITERATIONS }, passKey, KEY_BITS);
  return bytesToHex(new Uint8Array(bits));
}
