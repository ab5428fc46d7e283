import type { Pool } from 'pg';
import {
  cancelOpenLoginSessions,
  countCodeAttempt,
  isUniqueViolation,
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
  try {
    return await withTransaction(db, async (tx) => {
      const account = await lockAccount(tx, session.account_id);
      if (!account) return fail('UNAUTHORIZED', 'Account no longer exists');
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
        email: input.newEmail,
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
        details: { emailChanged: input.newEmail !== account.email, sessionsRevoked: revoked },
      });
      return ok({ ok: true as const });
    });
  } catch (err) {
    if (isUniqueViolation(err, 'accounts_email_key')) return fail('EMAIL_TAKEN', 'An account with this email already exists');
    throw err;
  }
}
