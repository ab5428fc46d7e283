/**
 * Strict decoders. Node's Buffer.from(x, 'hex' | 'base64url') silently stops at the first bad
 * character or drops a trailing odd nibble, which would turn malformed input into a *different*
 * key or ciphertext instead of an error. Every decode of untrusted text goes through here.
 */
import { randomBytes } from 'node:crypto';
import { MalformedInputError } from './errors';

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function isHex(value: unknown): value is string {
  return typeof value === 'string' && HEX.test(value);
}

/** base64url without padding, as JWK requires (RFC 7518 §2). A length of 1 mod 4 is never valid. */
export function isBase64Url(value: unknown): value is string {
  return typeof value === 'string' && BASE64URL.test(value) && value.length % 4 !== 1;
}

export function hexToBuffer(value: string, what: string): Buffer {
  if (!isHex(value)) throw new MalformedInputError(`${what} is not an even-length hex string`);
  return Buffer.from(value, 'hex');
}

export function base64UrlToBuffer(value: string, what: string): Buffer {
  if (!isBase64Url(value)) throw new MalformedInputError(`${what} is not unpadded base64url`);
  return Buffer.from(value, 'base64url');
}

/** Random bytes as lowercase hex (Insomnia's getRandomHex; salts are `randomHex(32)`). */
export function randomHex(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new RangeError(`randomHex: bytes must be a positive integer, got ${bytes}`);
  }
  return randomBytes(bytes).toString('hex');
}
