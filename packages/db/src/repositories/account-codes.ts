import type { Queryable } from '../pool';

export type CodePurpose = 'password_change' | 'account_reset' | 'email_verification';

export interface AccountCodeRow {
  id: string;
  account_id: string;
  purpose: CodePurpose;
  code_hash: Buffer;
  attempts: number;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  /** keyed hash of the link token that comes with a verification code (null for other codes) */
  link_hash: Buffer | null;
}

/** A new code replaces any outstanding one of the same purpose: only the latest email works. */
export async function replaceAccountCode(
  db: Queryable,
  c: { id: string; accountId: string; purpose: CodePurpose; codeHash: Buffer; expiresAt: Date; linkHash?: Buffer },
): Promise<void> {
  await db.query(`DELETE FROM account_codes WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL`, [c.accountId, c.purpose]);
  await db.query(
    `INSERT INTO account_codes (id, account_id, purpose, code_hash, expires_at, link_hash) VALUES ($1, $2, $3, $4, $5, $6)`,
    [c.id, c.accountId, c.purpose, c.codeHash, c.expiresAt, c.linkHash ?? null],
  );
}

/**
 * The verification code whose link token hashes to `linkHash`, locked. Found through the unique index on
 * the keyed hash: the link comes without a session, so the hash is the only way to the row.
 */
export async function lockVerificationCodeByLink(db: Queryable, linkHash: Buffer): Promise<AccountCodeRow | null> {
  const { rows } = await db.query<AccountCodeRow>(
    `SELECT * FROM account_codes WHERE link_hash = $1 AND purpose = 'email_verification' FOR UPDATE`,
    [linkHash],
  );
  return rows[0] ?? null;
}

/** The unused code of an account, locked for the duration of the transaction. */
export async function lockOpenAccountCode(db: Queryable, accountId: string, purpose: CodePurpose): Promise<AccountCodeRow | null> {
  const { rows } = await db.query<AccountCodeRow>(
    `SELECT * FROM account_codes WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL
      ORDER BY created_at DESC LIMIT 1 FOR UPDATE`,
    [accountId, purpose],
  );
  return rows[0] ?? null;
}

export async function countCodeAttempt(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE account_codes SET attempts = attempts + 1 WHERE id = $1', [id]);
}

export async function markAccountCodeUsed(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE account_codes SET used_at = now() WHERE id = $1', [id]);
}
