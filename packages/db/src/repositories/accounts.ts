import type { Queryable } from '../pool';

export interface AccountRow {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  srp_profile: 'insomnia' | 'rfc2945';
  salt_key: string;
  salt_auth: string;
  salt_enc: string;
  verifier: string;
  public_key: string;
  enc_private_key: string;
  enc_symmetric_key: string;
  email_newsletter: boolean;
  /** when the holder showed they read the address (docs/protocol.md §4.1); null: not verified */
  email_verified_at: Date | null;
  /** fingerprintOf(public_key), computed by the database (docs/protocol.md §6, key approval) */
  key_fingerprint: string | null;
  /** when the public key last changed after signup (a reset); null: never */
  key_changed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** `emailVerified`: the signup proved the address already (an invitation's link token). */
export type NewAccount = Omit<AccountRow, 'created_at' | 'updated_at' | 'email_verified_at' | 'key_fingerprint' | 'key_changed_at'> & { emailVerified: boolean };

export async function insertAccount(db: Queryable, a: NewAccount): Promise<void> {
  await db.query(
    `INSERT INTO accounts (id, email, first_name, last_name, srp_profile, salt_key, salt_auth, salt_enc, verifier,
                           public_key, enc_private_key, enc_symmetric_key, email_newsletter, email_verified_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, CASE WHEN $14::boolean THEN now() END)`,
    [a.id, a.email, a.first_name, a.last_name, a.srp_profile, a.salt_key, a.salt_auth, a.salt_enc, a.verifier,
     a.public_key, a.enc_private_key, a.enc_symmetric_key, a.email_newsletter, a.emailVerified],
  );
}

/** The address is proven; the first proof's time stays. True when this call verified it. */
export async function markEmailVerified(db: Queryable, id: string): Promise<boolean> {
  const r = await db.query('UPDATE accounts SET email_verified_at = now(), updated_at = now() WHERE id = $1 AND email_verified_at IS NULL', [id]);
  return (r.rowCount ?? 0) > 0;
}

export async function findAccountByEmail(db: Queryable, email: string): Promise<AccountRow | null> {
  const { rows } = await db.query<AccountRow>('SELECT * FROM accounts WHERE email = $1', [email]);
  return rows[0] ?? null;
}

/** What a login needs, and nothing more: the wrapped keys are large (TOASTed) and not needed here. */
export type AccountLoginRow = Pick<AccountRow, 'id' | 'srp_profile' | 'salt_key' | 'salt_auth' | 'verifier'>;

export async function findAccountLogin(db: Queryable, email: string): Promise<AccountLoginRow | null> {
  const { rows } = await db.query<AccountLoginRow>(
    { name: 'find-account-login', text: 'SELECT id, srp_profile, salt_key, salt_auth, verifier FROM accounts WHERE email = $1', values: [email] },
  );
  return rows[0] ?? null;
}

export async function findAccountById(db: Queryable, id: string): Promise<AccountRow | null> {
  const { rows } = await db.query<AccountRow>('SELECT * FROM accounts WHERE id = $1', [id]);
  return rows[0] ?? null;
}

/** Row lock for a passphrase change, so two concurrent changes cannot interleave. */
export async function lockAccount(db: Queryable, id: string): Promise<AccountRow | null> {
  const { rows } = await db.query<AccountRow>('SELECT * FROM accounts WHERE id = $1 FOR UPDATE', [id]);
  return rows[0] ?? null;
}

/** Replaces the login verifier and the wrapped account key (salts and key pair stay, docs/protocol.md §4.3). */
export async function updateAccountPassphrase(
  db: Queryable,
  id: string,
  change: { email: string; verifier: string; encSymmetricKey: string },
): Promise<void> {
  await db.query(
    `UPDATE accounts SET email = $2, verifier = $3, enc_symmetric_key = $4, updated_at = now() WHERE id = $1`,
    [id, change.email, change.verifier, change.encSymmetricKey],
  );
}
