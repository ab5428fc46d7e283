/**
 * Byte encodings without Node's Buffer. Decoders are strict: a lenient decoder turns malformed input
 * into a *different* key or ciphertext instead of an error.
 *
 * Every function returns `Uint8Array<ArrayBuffer>` (a fresh buffer, never a view into a shared one)
 * because that is what WebCrypto's BufferSource accepts under TypeScript's DOM types.
 */
import { WebCryptoError } from './errors';

export type Bytes = Uint8Array<ArrayBuffer>;

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

export function isHex(value: unknown): value is string {
  return typeof value === 'string' && HEX_RE.test(value);
}

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function hexToBytes(hex: string, what = 'value'): Bytes {
  if (!isHex(hex)) throw new WebCryptoError('MALFORMED_INPUT', `${what} is not an even-length hex string`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function utf8(text: string): Bytes {
  // TextEncoder's result is typed with ArrayBufferLike; copy into a plain ArrayBuffer-backed array.
  return copyBytes(new TextEncoder().encode(text));
}

export function fromUtf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

export function copyBytes(bytes: Uint8Array): Bytes {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Equality whose time does not depend on where the first difference is (M2, docs/protocol.md §3). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX: Record<string, number> = Object.fromEntries([...B64].map((c, i) => [c, i]));

/** Standard base64 with `=` padding (what tweetnacl-util, and so the Insomnia app, writes). */
export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i] ?? 0;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    const n = (b0 << 16) | ((b1 ?? 0) << 8) | (b2 ?? 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    out += b1 === undefined ? '=' : B64[(n >> 6) & 63]!;
    out += b2 === undefined ? '=' : B64[n & 63]!;
  }
  return out;
}

/**
 * Strict base64: the standard alphabet, padding optional but correct when present, no whitespace,
 * and no non-zero bits left over in the last character (so every string decodes one way only).
 */
export function base64ToBytes(text: string, what = 'value'): Bytes {
  const bad = () => new WebCryptoError('MALFORMED_INPUT', `${what} is not valid base64`);
  const m = /^([A-Za-z0-9+/]*)(={0,2})$/.exec(text);
  const body = m?.[1];
  const padLength = m?.[2]?.length ?? 0;
  if (body === undefined || body.length % 4 === 1) throw bad();
  if (padLength > 0 && (body.length + padLength) % 4 !== 0) throw bad();
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let at = 0;
  for (const c of body) {
    const v = B64_INDEX[c];
    if (v === undefined) throw bad();
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw bad();
  return out;
}

/** base64url without padding, as JWK members are written (RFC 7518 §2). */
export function bytesToBase64Url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

export function base64UrlToBytes(text: string, what = 'value'): Bytes {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new WebCryptoError('MALFORMED_INPUT', `${what} is not base64url`);
  return base64ToBytes(text.replace(/-/g, '+').replace(/_/g, '/'), what);
}
