import crypto from 'node:crypto';
import { ID_PREFIX } from '@somnus/models';

/**
 * The sealed sessionStarterId (docs/protocol.md §3, §4.1). login-a stores nothing: everything M1 needs
 * from login-a travels in the starter, encrypted and authenticated with AES-256-GCM under a key derived
 * from the server secret, so a client can neither read b nor change A, B, the email or the expiry.
 * M1 reads the account again (a passphrase change in between makes the proof fail) and records the
 * starter's id, so each starter is good for one proof (docs/architecture.md §7).
 *
 *   lss_ base64url( version(1) ‖ id(16) ‖ iv(12) ‖ ciphertext ‖ tag(16) )
 *   plaintext = expiry (uint32, unix seconds) ‖ b (32) ‖ B (256) ‖ A (256) ‖ email (UTF-8)
 *
 * Each starter has its own key, HKDF(server secret, salt = its random id): AES-GCM with random IVs under
 * one key is safe only up to about 2^32 messages, and anyone can ask for starters.
 */

const VERSION = 1;
const ID_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + ID_BYTES + IV_BYTES;
const FIXED_PLAINTEXT_BYTES = 4 + 32 + 256 + 256;
const PREFIX = `${ID_PREFIX.loginSession}_`;
const KEY_INFO = 'somnus login starter v1';

export interface StarterContent {
  /** unix seconds after which M1 refuses the starter */
  expiresAt: number;
  bHex: string;
  BHex: string;
  AHex: string;
  email: string;
}

export interface OpenedStarter extends StarterContent {
  /** recorded at M1 to make the starter single-use */
  id: Buffer;
}

function starterKey(serverSecret: Buffer, id: Buffer): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', serverSecret, id, KEY_INFO, 32));
}

export function sealStarter(serverSecret: Buffer, c: StarterContent): string {
  const id = crypto.randomBytes(ID_BYTES);
  const iv = crypto.randomBytes(IV_BYTES);
  const header = Buffer.concat([Buffer.from([VERSION]), id, iv]);
  const expiry = Buffer.alloc(4);
  expiry.writeUInt32BE(c.expiresAt);
  const plaintext = Buffer.concat([expiry, Buffer.from(c.bHex, 'hex'), Buffer.from(c.BHex, 'hex'), Buffer.from(c.AHex, 'hex'), Buffer.from(c.email, 'utf8')]);
  if (plaintext.length < FIXED_PLAINTEXT_BYTES) throw new TypeError('b, B and A must be 32, 256 and 256 bytes');
  const cipher = crypto.createCipheriv('aes-256-gcm', starterKey(serverSecret, id), iv);
  cipher.setAAD(header.subarray(0, 1 + ID_BYTES));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return PREFIX + Buffer.concat([header, body]).toString('base64url');
}

/**
 * The starter's content if it is one of ours, intact and not expired at `nowSeconds`; null otherwise
 * (malformed, forged, altered, sealed under another secret, expired: all the same to the caller).
 */
export function openStarter(serverSecret: Buffer, starter: string, nowSeconds: number): OpenedStarter | null {
  if (!starter.startsWith(PREFIX) || !/^[A-Za-z0-9_-]+$/.test(starter.slice(PREFIX.length))) return null;
  const raw = Buffer.from(starter.slice(PREFIX.length), 'base64url');
  if (raw.length < HEADER_BYTES + FIXED_PLAINTEXT_BYTES + TAG_BYTES || raw[0] !== VERSION) return null;
  const id = raw.subarray(1, 1 + ID_BYTES);
  const iv = raw.subarray(1 + ID_BYTES, HEADER_BYTES);
  const ciphertext = raw.subarray(HEADER_BYTES, raw.length - TAG_BYTES);
  let plaintext: Buffer;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', starterKey(serverSecret, id), iv);
    decipher.setAAD(raw.subarray(0, 1 + ID_BYTES));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return null; // the tag did not verify: not sealed by us, or altered
  }
  const expiresAt = plaintext.readUInt32BE(0);
  if (nowSeconds >= expiresAt) return null;
  return {
    id: Buffer.from(id),
    expiresAt,
    bHex: plaintext.subarray(4, 36).toString('hex'),
    BHex: plaintext.subarray(36, 292).toString('hex'),
    AHex: plaintext.subarray(292, 548).toString('hex'),
    email: plaintext.subarray(548).toString('utf8'),
  };
}
