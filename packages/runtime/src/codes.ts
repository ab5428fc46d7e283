import crypto from 'node:crypto';
import { hmacSha256 } from './secrets';

/**
 * Single-use codes mailed to an address (passphrase change, reset, invitation acceptance): holding one
 * proves control of the mailbox. Shared here because functions may not import each other.
 */

/** Unambiguous characters only: codes are typed by hand from an email. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 10 characters from 32 symbols = 50 bits; with 5 attempts per code, guessing is hopeless. */
export function newCode(): string {
  // 256 is a multiple of 32, so `b % 32` is uniform
  const bytes = crypto.randomBytes(10);
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** As typed: case, spaces and dashes do not matter. */
export function normalizeCode(code: string): string {
  return code.trim().toUpperCase().replace(/[\s-]/g, '');
}

/**
 * Keyed hash, so a leaked table cannot be brute-forced back into codes without the server secret. The
 * purpose label keeps a code of one kind from being valid as another.
 */
export function hashCode(secret: Buffer, purpose: string, code: string): Buffer {
  return hmacSha256(secret, purpose, normalizeCode(code));
}
