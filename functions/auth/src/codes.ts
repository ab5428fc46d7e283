import crypto from 'node:crypto';
import { hmacSha256 } from '@somnus/runtime';

/** Unambiguous characters only: codes are typed by hand from an email. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 10 characters from 32 symbols = 50 bits; with 5 attempts per code and a 15-minute life, guessing is hopeless. */
export function newCode(): string {
  const bytes = crypto.randomBytes(10);
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** Keyed hash, so a leaked table cannot be brute-forced back into codes without the server secret. */
export function hashCode(secret: Buffer, code: string): Buffer {
  return hmacSha256(secret, 'account-code', code.trim().toUpperCase().replace(/[\s-]/g, ''));
}
