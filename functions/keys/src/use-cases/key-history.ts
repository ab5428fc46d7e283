import { listKeyHistory } from '@somnus/db';
import type { HistorySigningKeyResponse, KeyHistoryHead, KeyHistoryResponse } from '@somnus/models';
import { fail, ok, tenantOf, tenantTransaction, type Result, type SessionActor } from '@somnus/runtime';
import { CompactSign } from 'jose';
import type { KeysDeps } from '../deps';

const ACCOUNT_ID = /^acct_[0-9a-f]{32}$/;

/**
 * GET /v1/keys/accounts/:accountId/history (docs/key-authenticity.md §2): every public key the account has
 * had, as the hash chain the database trigger wrote, and its head signed now with the history-signing key.
 * Who may read it is the table's policy (app_may_read_key_history: whoever may read that public key today);
 * a stranger, an unknown account and a malformed id get the same 404, as for the public key itself.
 */
export async function keyHistoryOf(deps: KeysDeps, actor: SessionActor, input: { accountId: string }): Promise<Result<KeyHistoryResponse>> {
  const notFound = fail<KeyHistoryResponse>('NOT_FOUND', 'No such account');
  if (!ACCOUNT_ID.test(input.accountId)) return notFound;
  const rows = await tenantTransaction(deps.db, tenantOf(actor), async (tx) => ok(await listKeyHistory(tx, input.accountId)));
  if (!rows.ok) return rows;
  if (rows.value.length === 0) return notFound;
  const entries = rows.value.map((r) => ({
    seq: r.seq,
    accountId: r.account_id,
    fingerprint: r.fingerprint,
    createdAt: r.created_at,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
  const last = entries[entries.length - 1]!;
  const head: KeyHistoryHead = { accountId: last.accountId, seq: last.seq, hash: last.hash, signedAt: deps.clock.now().toISOString() };
  return ok({ entries, head: await signHead(deps, head) });
}

/** Compact JWS, EdDSA, with the key's kid so a client can tell a rotated key from a forged one. */
async function signHead(deps: KeysDeps, head: KeyHistoryHead): Promise<string> {
  const key = deps.historySigningKey();
  return new CompactSign(new TextEncoder().encode(JSON.stringify(head)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.publicJwk.kid, typ: 'somnus-key-history-head+jws' })
    .sign(key.privateKey);
}

/** GET /v1/keys/history-signing-key: the public half, for clients to pin on first use (§3). */
export async function historySigningKey(deps: KeysDeps): Promise<Result<HistorySigningKeyResponse>> {
  return ok(deps.historySigningKey().publicJwk);
}
