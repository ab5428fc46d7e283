/**
 * Insomnia's passphrase KDF (docs/protocol.md §2). Used twice per account:
 *   deriveKey(pass, email, saltKey) -> SRP password (SEC_PWD_Auth)
 *   deriveKey(pass, email, saltEnc) -> AES key wrapping the account key (SEC_PWD_Enc)
 */
import { hkdf, pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';

const hkdfAsync = promisify(hkdf);
const pbkdf2Async = promisify(pbkdf2);

/** Fixed by the protocol: changing it would make every existing account unrecoverable. */
export const PBKDF2_ITERATIONS = 100_000;
const KEY_BYTES = 32;

/**
 * HKDF-SHA256(ikm = UTF-8(email), salt = the ASCII bytes of `saltHex` (NOT hex-decoded, because
 * npm hkdf@0.0.2 passed the string straight to HMAC), info = '', 32) and then
 * PBKDF2-HMAC-SHA256(passphrase, those 32 raw bytes, 100000, 32), as lowercase hex.
 *
 * Inputs must already be normalised (normalizeEmail / normalizePassphrase); this function does
 * not do it so that the test vectors, which are not normalised, can be checked as published.
 * Async on purpose: 100k iterations take ~50-100 ms and run on libuv's pool, not the event loop.
 */
export async function deriveKey(passphrase: string, email: string, saltHex: string): Promise<string> {
  const combined = await hkdfAsync('sha256', Buffer.from(email, 'utf8'), Buffer.from(saltHex, 'utf8'), Buffer.alloc(0), KEY_BYTES);
  const key = await pbkdf2Async(Buffer.from(passphrase, 'utf8'), Buffer.from(combined), PBKDF2_ITERATIONS, KEY_BYTES, 'sha256');
  return key.toString('hex');
}
