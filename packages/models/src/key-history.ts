import { sha256 } from '@noble/hashes/sha2';
import { z } from 'zod';
import { FINGERPRINT_PATTERN } from './fingerprint';

/**
 * The append-only key history of an account (docs/key-authenticity.md §2): one entry per public key the
 * account has had, chained by hashes; the head is signed by the server's history-signing key (Ed25519,
 * compact JWS). Shared by the server's tests and the SDK, which recomputes every hash.
 */

export const KEY_HISTORY_HASH_LABEL = 'somnus-key-history-v1';
/** The prevHash of entry 1. */
export const KEY_HISTORY_GENESIS = '0'.repeat(64);

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
/** UTC with milliseconds, exactly as Date#toISOString writes it: the text form that is hashed. */
const isoMillis = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

export const keyHistoryEntry = z.object({
  seq: z.number().int().min(1),
  accountId: z.string().regex(/^acct_[0-9a-f]{32}$/),
  /** The fingerprint of that key (packages/models/src/fingerprint.ts); '' for a stored key that is not an RSA JWK. */
  fingerprint: z.union([z.string().regex(FINGERPRINT_PATTERN), z.literal('')]),
  createdAt: isoMillis,
  prevHash: hex64,
  hash: hex64,
});
export type KeyHistoryEntry = z.infer<typeof keyHistoryEntry>;

/** GET /v1/keys/accounts/:accountId/history */
export const keyHistoryResponse = z.object({
  entries: z.array(keyHistoryEntry).min(1).max(10_000),
  /** Compact JWS (EdDSA) of KeyHistoryHead. */
  head: z.string().regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/),
});
export type KeyHistoryResponse = z.infer<typeof keyHistoryResponse>;

/** The payload of the signed head. */
export const keyHistoryHead = z.object({
  accountId: z.string(),
  seq: z.number().int().min(1),
  hash: hex64,
  signedAt: isoMillis,
});
export type KeyHistoryHead = z.infer<typeof keyHistoryHead>;

/** GET /v1/keys/history-signing-key: the public JWK that signs heads. */
export const historySigningKeyResponse = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  kid: z.string(),
  alg: z.literal('EdDSA'),
  use: z.literal('sig'),
});
export type HistorySigningKeyResponse = z.infer<typeof historySigningKeyResponse>;

/**
 * The canonical encoding (docs/key-authenticity.md §2.1): the label and the five fields, each as text, joined
 * by LF ("\n"), UTF-8 encoded. seq in decimal; createdAt as toISOString; prevHash and hash lowercase hex.
 * No field can hold a LF (their formats are fixed), so the encoding is unambiguous. The database computes the
 * same in app_key_history_hash (migration …840_key-history).
 */
export function keyHistoryHashInput(e: Omit<KeyHistoryEntry, 'hash'>): string {
  return [KEY_HISTORY_HASH_LABEL, String(e.seq), e.accountId, e.fingerprint, e.createdAt, e.prevHash].join('\n');
}

/** hex(SHA-256(keyHistoryHashInput(e))) */
export function keyHistoryHash(e: Omit<KeyHistoryEntry, 'hash'>): string {
  const digest = sha256(new TextEncoder().encode(keyHistoryHashInput(e)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
