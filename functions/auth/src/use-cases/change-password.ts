import type { Pool } from 'pg';
import {
  cancelOpenLoginSessions,
  countCodeAttempt,
  lockAccount,
  lockOpenAccountCode,
  markAccountCodeUsed,
  recordAccountEvent,
  revokeOtherSessions,
  updateAccountPassphrase,
  withTransaction,
  type SessionRow,
} from '@somnus/db';
import type { ChangePasswordBody } from '@somnus/models';
import { constantTimeEqual } from '@somnus/runtime';
import { hashCode } from '../codes';
import { MAX_CODE_ATTEMPTS } from '../policy';
import { fail, ok, type Result } from '../result';

/**
 * Replaces the verifier and the wrapped account key in one transaction, consumes the code and revokes
 * every other session. Salts, key pair and project keys stay (wire-protocol §4.3). A wrong code is
 * counted and committed, so the 5-attempt cap holds even though the request fails.
 */
export async function changePassword(
  db: Pool,
  secret: Buffer,
  session: SessionRow,
  input: ChangePasswordBody,
  meta: { ip: string | null; client: string | null },
): Promise<Result<{ ok: true }>> {
  return await withTransaction(db, async (tx) => {
    const account = await lockAccount(tx, session.account_id);
    if (!account) return fail('UNAUTHORIZED', 'Account no longer exists');
    // The code went to the current address, so it proves nothing about `newEmail`: taking an address
    // one does not own would, for one, let its holder accept invitations meant for that address. An
    // email change needs its own verification of the new address, which we do not offer yet; the L22
    // client always sends the current email unchanged. Refused before the code is looked at, so a
    // refused request costs no attempt.
    if (input.newEmail !== account.email) return fail('VALIDATION_ERROR', 'changing the email address is not supported');
    const code = await lockOpenAccountCode(tx, account.id, 'password_change');
    if (!code || code.attempts >= MAX_CODE_ATTEMPTS) return fail('INVALID_CODE', 'The code is wrong or was already used; request a new one');
    if (code.expires_at.getTime() <= Date.now()) return fail('CODE_EXPIRED', 'The code has expired; request a new one');
    if (!constantTimeEqual(code.code_hash, hashCode(secret, input.code))) {
      await countCodeAttempt(tx, code.id);
      return fail('INVALID_CODE', 'The code is wrong or was already used; request a new one');
    }
    // the client re-wrapped the key it downloaded; if that is stale it would wrap an old key
    if (input.encSymmetricKey !== account.enc_symmetric_key) {
      return fail('VALIDATION_ERROR', 'encSymmetricKey does not match the current wrapped account key');
    }
    await updateAccountPassphrase(tx, account.id, {
      email: account.email,
      verifier: input.newVerifier,
      encSymmetricKey: input.newEncSymmetricKey,
    });
    await markAccountCodeUsed(tx, code.id);
    const revoked = await revokeOtherSessions(tx, account.id, session.id);
    // a login started before the change holds the old verifier and could still finish with the old passphrase
    await cancelOpenLoginSessions(tx, account.id);
    await recordAccountEvent(tx, {
      accountId: account.id,
      type: 'password.changed',
      ...meta,
      details: { sessionsRevoked: revoked },
    });
    return ok({ ok: true as const });
  });
}
