/**
 * The SDK's check of a member's key history (docs/key-authenticity.md §3.2), pure: given the answer of
 * GET /v1/keys/accounts/:id/history, the pinned signing key, the public key the SDK is about to wrap for and
 * what it saw of this account before, it returns the new last-seen entry or a reason to refuse.
 */
import {
  fingerprintOf,
  keyHistoryHash,
  keyHistoryHead,
  KEY_HISTORY_GENESIS,
  sameFingerprint,
  type KeyHistoryResponse,
} from '@somnus/models';
import { compactVerify, importJWK } from 'jose';
import type { PinnedSigningKey, SeenHistory } from './store';

export type HistoryCheck = { ok: true; last: SeenHistory; fingerprint: string } | { ok: false; reason: string };

const refuse = (reason: string): HistoryCheck => ({ ok: false, reason });

export async function checkKeyHistory(
  accountId: string,
  history: KeyHistoryResponse,
  signingKey: PinnedSigningKey,
  publicKey: string,
  seen: SeenHistory | undefined,
): Promise<HistoryCheck> {
  const { entries } = history;
  // an account always has at least the entry of its signup
  if (entries.length === 0) return refuse('the history is empty');
  // 1. every entry recomputes, in order, chained to the one before
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.seq !== i + 1) return refuse(`entry ${i + 1} has seq ${e.seq}`);
    if (e.accountId !== accountId) return refuse(`entry ${e.seq} belongs to ${e.accountId}`);
    const prev = i === 0 ? KEY_HISTORY_GENESIS : entries[i - 1]!.hash;
    if (e.prevHash !== prev) return refuse(`entry ${e.seq} does not link to entry ${e.seq - 1}`);
    if (keyHistoryHash(e) !== e.hash) return refuse(`entry ${e.seq}'s hash does not recompute`);
  }
  const last = entries[entries.length - 1]!;
  // 2. the head is signed by the pinned key and names the last entry
  let payload: Uint8Array;
  try {
    const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: signingKey.x }, 'EdDSA');
    const verified = await compactVerify(history.head, key, { algorithms: ['EdDSA'] });
    payload = verified.payload;
  } catch {
    return refuse('the head is not signed by the pinned history-signing key');
  }
  let head;
  try {
    head = keyHistoryHead.parse(JSON.parse(new TextDecoder().decode(payload)));
  } catch {
    return refuse('the signed head is malformed');
  }
  if (head.accountId !== accountId || head.seq !== last.seq || head.hash !== last.hash) {
    return refuse(`the signed head (seq ${head.seq}) is not the last entry (seq ${last.seq})`);
  }
  // 3. the key the SDK was given is the last entry's
  let fingerprint: string;
  try {
    fingerprint = fingerprintOf(publicKey);
  } catch {
    return refuse('the public key given is not an RSA public JWK');
  }
  if (!sameFingerprint(last.fingerprint, fingerprint)) {
    return refuse(`the key given (${fingerprint}) is not the last entry's (${last.fingerprint || 'none'})`);
  }
  // 4. the chain extends what this SDK saw: the entry it saw is still there, unchanged
  if (seen) {
    if (seen.seq > last.seq) return refuse(`the history shrank from ${seen.seq} entries to ${last.seq}`);
    if (entries[seen.seq - 1]!.hash !== seen.hash) return refuse(`entry ${seen.seq} was rewritten since it was last seen`);
  }
  return { ok: true, last: { seq: last.seq, hash: last.hash }, fingerprint };
}
