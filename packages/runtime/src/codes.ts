import crypto from 'node:crypto';
import { hmacSha256 } from './secrets';

/**
 * Single-use codes mailed to an address (passphrase change, reset, invitation acceptance): holding one
 * proves control of the mailbox. Shared here because functions may not import each other.
 */

/** Account codes (passphrase change, reset) work this long after they are issued. */
export const ACCOUNT_CODE_TTL_MS = 15 * 60 * 1000;

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

/**
 * Link tokens: the secret in a link of an email (email verification, an invitation's link). Clicked,
 * not typed, so they can be long: 256 random bits as 64 lowercase hex, which survives any mail client.
 */
export function newLinkToken(): string {
  return crypto.randomBytes(32).toString('hex');
}

/** The shape of a link token; anything else is refused before it is hashed or looked up. */
export const LINK_TOKEN = /^[0-9a-f]{64}$/;

/** Keyed hash of a link token, under its own label per purpose, like codes (only the hash is stored). */
export function hashLinkToken(secret: Buffer, purpose: LinkTokenPurpose, token: string): Buffer {
  return hmacSha256(secret, purpose, token.trim().toLowerCase());
}

/**
 * `invite-link` is shared: the invites function makes the token, the auth function accepts it as proof
 * of the address (docs/protocol.md §6), and functions may not import each other.
 */
export type LinkTokenPurpose = 'email-verification-link' | 'invite-link';
