import type { Pool } from 'pg';
import { findAccountById, type SessionRow } from '@somnus/db';
import type { KeysResponse } from '@somnus/models';

/** The caller's wrapped key material, exactly as their client stored it at signup. */
export async function ownKeys(db: Pool, session: SessionRow): Promise<KeysResponse | null> {
  const a = await findAccountById(db, session.account_id);
  if (!a) return null;
  return { publicKey: a.public_key, encPrivateKey: a.enc_private_key, encSymmetricKey: a.enc_symmetric_key, saltEnc: a.salt_enc };
}
