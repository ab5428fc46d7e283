import type { Pool } from 'pg';
import { findSharedPublicKey, withTenant, type SessionRow } from '@somnus/db';
import type { PublicKeyResponse } from '@somnus/models';

const ACCOUNT_ID = /^acct_[0-9a-f]{32}$/;

/**
 * Another account's public key, only for a caller who shares an org with it (issue 3, "Function keys");
 * otherwise public keys reach clients only through invite instructions. Null for a malformed id, an unknown
 * account and a stranger alike, so the endpoint cannot be used to probe which accounts exist.
 */
export async function publicKeyOf(db: Pool, session: SessionRow, accountId: string): Promise<PublicKeyResponse | null> {
  if (!ACCOUNT_ID.test(accountId)) return null;
  const row = await withTenant(db, { accountId: session.account_id }, (tx) => findSharedPublicKey(tx, accountId));
  return row ? { accountId: row.id, publicKey: row.public_key } : null;
}
