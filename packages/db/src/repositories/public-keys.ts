import type { Queryable } from '../pool';

/**
 * The public key of another account, for a caller who shares an org with it (issue 3, "Function keys").
 * Runs under the caller's tenant context: app_shares_org (migration …200_app-shares-org) answers only for
 * app_current_account(). Unknown account and "no shared org" are the same null.
 */
export async function findSharedPublicKey(db: Queryable, otherAccountId: string): Promise<{ id: string; public_key: string } | null> {
  const { rows } = await db.query<{ id: string; public_key: string }>(
    'SELECT id, public_key FROM accounts WHERE id = $1 AND app_shares_org(id)',
    [otherAccountId],
  );
  return rows[0] ?? null;
}
