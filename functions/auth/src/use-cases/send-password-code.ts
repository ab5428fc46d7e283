import { findAccountById, recordAccountEvent } from '@somnus/db';
import { auditMeta, fail, ok, transaction, type Result, type SessionActor } from '@somnus/runtime';
import { issueAccountCode } from '../codes';
import type { AuthDeps } from '../deps';

/**
 * Emails a single-use code for a passphrase change (docs/protocol.md §4.3). The code is stored (hashed)
 * before the email goes out, and a new request replaces the old code.
 */
export async function sendPasswordCode(deps: AuthDeps, actor: SessionActor): Promise<Result<{ ok: true }>> {
  const account = await findAccountById(deps.db, actor.accountId);
  if (!account) return fail('UNAUTHORIZED', 'Account no longer exists');
  const issued = await transaction(deps.db, async (tx) => {
    await recordAccountEvent(tx, { accountId: account.id, type: 'password.code_sent', ...auditMeta(actor) });
    return ok(await issueAccountCode(tx, deps.config.serverSecret, deps.clock.now(), account.id, 'password_change'));
  });
  if (!issued.ok) return issued;
  try {
    await deps.mail.send({
      to: account.email,
      subject: 'Your Somnus passphrase change code',
      text:
        `Your code to change your Somnus passphrase is:\n\n    ${issued.value}\n\n` +
        `It works once and expires in 15 minutes. If you did not ask for it, you can ignore this email; ` +
        `your passphrase stays the same.\n`,
    });
  } catch {
    return fail('SERVICE_UNAVAILABLE', 'The email could not be sent; try again in a moment');
  }
  return ok({ ok: true as const });
}
