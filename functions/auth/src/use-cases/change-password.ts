import {
  countCodeAttempt,
  lockAccount,
  lockOpenAccountCode,
  markAccountCodeUsed,
  recordAccountEvent,
  revokeOtherSessions,
  updateAccountPassphrase,
} from '@somnus/db';
import type { ChangePasswordBody } from '@somnus/models';
import { auditMeta, constantTimeEqual, fail, failAndKeep, ok, transaction, type Result, type SessionActor } from '@somnus/runtime';
import { hashCode } from '../codes';
import type { AuthDeps } from '../deps';
import { MAX_CODE_ATTEMPTS } from '../policy';

const WRONG_CODE = 'The code is wrong or was already used; request a new one';

/**
 * Replaces the verifier and the wrapped account key in one transaction, consumes the code and revokes
 * every other session. Salts, key pair and project keys stay (docs/protocol.md §4.3). A wrong code is
 * counted and committed, so the 5-attempt cap holds even though the request fails.
 */
export async function changePassword(deps: AuthDeps, actor: SessionActor, input: ChangePasswordBody): Promise<Result<{ ok: true }>> {
  return transaction(deps.db, async (tx) => {
    const account = await lockAccount(tx, actor.accountId);
    if (!account) return fail('UNAUTHORIZED', 'Account no longer exists');
    // The code went to the current address, so it proves nothing about `newEmail`: taking an address
    // one does not own would, for one, let its holder accept invitations meant for that address. An
    // email change needs its own verification of the new address, which we do not offer yet; the L22
    // client always sends the current email unchanged. Refused before the code is looked at, so a
    // refused request costs no attempt.
    if (input.newEmail !== account.email) return fail('VALIDATION_ERROR', 'changing the email address is not supported');
    const code = await lockOpenAccountCode(tx, account.id, 'password_change');
    if (!code || code.attempts >= MAX_CODE_ATTEMPTS) return fail('INVALID_CODE', WRONG_CODE);
    if (code.expires_at.getTime() <= deps.clock.now().getTime()) return fail('CODE_EXPIRED', 'The code has expired; request a new one');
    if (!constantTimeEqual(code.code_hash, hashCode(deps.config.serverSecret, input.code))) {
      await countCodeAttempt(tx, code.id);
      return failAndKeep('INVALID_CODE', WRONG_CODE);
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
    const revoked = await revokeOtherSessions(tx, account.id, actor.session.id);
    // a login started before the change cannot finish: M1 is checked against the verifier stored now, and
    // its B was made from the old one (docs/protocol.md §3)
    await recordAccountEvent(tx, { accountId: account.id, type: 'password.changed', ...auditMeta(actor), details: { sessionsRevoked: revoked } });
    return ok({ ok: true as const });
  });
}
