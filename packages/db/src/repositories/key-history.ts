import type { Queryable } from '../pool';

/**
 * The append-only key history (docs/key-authenticity.md §2). Entries are written only by the database trigger
 * `accounts_key_history` (migration …840_key-history), so there is no insert here; the app role may only read.
 * Runs under the caller's tenant context: the table's policy (app_may_read_key_history) decides who may read
 * whose history, so a stranger's read is simply empty.
 */
export interface KeyHistoryRow {
  seq: number;
  account_id: string;
  fingerprint: string;
  /** Already in the hashed text form (UTC, milliseconds, `…Z`): app_key_history_time. */
  created_at: string;
  prev_hash: string;
  hash: string;
}

export async function listKeyHistory(db: Queryable, accountId: string): Promise<KeyHistoryRow[]> {
  const { rows } = await db.query<KeyHistoryRow>(
    `SELECT seq, account_id, fingerprint, app_key_history_time(created_at) AS created_at, prev_hash, hash
       FROM account_key_history WHERE account_id = $1 ORDER BY seq`,
    [accountId],
  );
  return rows;
}
