/**
 * Hex, padding and hashing helpers shared by both profiles.
 *
 * Everything on the wire is hex; everything that is hashed is bytes; everything that is
 * multiplied is a bigint. Keeping the three conversions here means each formula in the profiles
 * reads like its paper definition, and there is exactly one place that decides what PAD() means.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { N_BYTES } from './params';

const HEX_RE = /^[0-9a-fA-F]+$/;

/** True for a string of 1+ hex digits (either case) whose length is within [minLength, maxLength]. */
export function isHex(value: unknown, minLength = 1, maxLength = Number.MAX_SAFE_INTEGER): value is string {
  return (
    typeof value === 'string' && value.length >= minLength && value.length <= maxLength && HEX_RE.test(value)
  );
}

/**
 * Hex string → bytes. An odd-length string gets a leading zero nibble: Buffer.from(hex, 'hex')
 * would otherwise silently drop the *last* nibble and hash a different number.
 * Callers validate with isHex first; this only guards against programming errors.
 */
export function hexToBytes(hex: string): Buffer {
  if (!isHex(hex)) throw new TypeError('expected a non-empty hex string');
  return Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex');
}

export function hexToBigint(hex: string): bigint {
  if (!isHex(hex)) throw new TypeError('expected a non-empty hex string');
  return BigInt(`0x${hex}`);
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`);
}

/** Minimal big-endian encoding (at least one byte), the form OpenSSL's setPrivateKey accepts. */
export function bigintToBytes(value: bigint): Buffer {
  if (value < 0n) throw new RangeError('cannot encode a negative integer');
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex');
}

/**
 * PAD(x): big-endian, left-padded with zeros to `length` bytes (default: the length of N).
 * Forgetting PAD is the classic SRP interop bug: it only shows up for the ~1/256 of values
 * whose top byte is zero, so it is applied here unconditionally.
 */
export function pad(value: bigint, length: number = N_BYTES): Buffer {
  if (value < 0n) throw new RangeError('cannot pad a negative integer');
  const hex = value.toString(16);
  if (hex.length > length * 2) throw new RangeError(`integer does not fit in ${length} bytes`);
  return Buffer.from(hex.padStart(length * 2, '0'), 'hex');
}

/** PAD(x) as lowercase hex: every public value we emit is exactly 512 hex chars. */
export function padHex(value: bigint, length: number = N_BYTES): string {
  return pad(value, length).toString('hex');
}

/** H(a | b | …): SHA-256 over the concatenation of the parts. */
export function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

export function xorBytes(a: Uint8Array, b: Uint8Array): Buffer {
  if (a.length !== b.length) throw new RangeError('xor operands differ in length');
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

/**
 * Constant-time equality for two byte strings. Lengths are public (always 32 for proofs), so an
 * early length mismatch leaks nothing; timingSafeEqual itself throws on different lengths.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
