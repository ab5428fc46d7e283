import { findSharedPublicKey } from '@somnus/db';
import type { PublicKeyResponse } from '@somnus/models';
import { fail, ok, tenantOf, tenantTransaction, type Result, type SessionActor } from '@somnus/runtime';
import type { KeysDeps } from '../deps';

const ACCOUNT_ID = /^acct_[0-9a-f]{32}$/;

/**
 * Another account's public key, only for a caller who shares an org with it; otherwise public keys reach
 * clients only through invite instructions. The same 404 for a malformed id, an unknown account and a
 * stranger, so the endpoint cannot be used to probe which accounts exist.
 */
export async function publicKeyOf(deps: KeysDeps, actor: SessionActor, input: { accountId: string }): Promise<Result<PublicKeyResponse>> {
  const notFound = fail<PublicKeyResponse>('NOT_FOUND', 'No such account');
  if (!ACCOUNT_ID.test(input.accountId)) return notFound;
  return tenantTransaction(deps.db, tenantOf(actor), async (tx) => {
    const row = await findSharedPublicKey(tx, input.accountId);
    return row ? ok({ accountId: row.id, publicKey: row.public_key }) : notFound;
  });
}
