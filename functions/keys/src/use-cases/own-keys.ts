import { findAccountById } from '@somnus/db';
import type { KeysResponse } from '@somnus/models';
import { fail, ok, type Result, type SessionActor } from '@somnus/runtime';
import type { KeysDeps } from '../deps';

/** The caller's wrapped key material, exactly as their client stored it at signup. */
export async function ownKeys(deps: KeysDeps, actor: SessionActor): Promise<Result<KeysResponse>> {
  const a = await findAccountById(deps.db, actor.accountId);
  if (!a) return fail('UNAUTHORIZED', 'Account no longer exists');
  return ok({ publicKey: a.public_key, encPrivateKey: a.enc_private_key, encSymmetricKey: a.enc_symmetric_key, saltEnc: a.salt_enc });
}
