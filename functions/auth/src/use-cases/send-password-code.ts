import { findAccountById, recordAccountEvent } from '@somnus/db';
import { auditMeta, fail, ok, reserveMail, transaction, type Result, type SessionActor } from '@somnus/runtime';
import { issueAccountCode } from '../codes';
import type { AuthDeps } from '../deps';

/**
 * Emails a single-use code for a passphrase change (docs/protocol.md §4.3). The code is stored (hashed)
 * before the email goes out, and a new request replaces the old code. Within the mail limits per
 * recipient and per sender (docs/architecture.md §11.1), so a session cannot turn this into a flood of
 * mail to an address it may not own (an unverified one): beyond them, 429 and nothing is sent.
 */
export async function sendPasswordCode(deps: AuthDeps, actor: SessionActor): Promise<Result<{ ok: true }>> {
  const account = await findAccountById(deps.db, actor.accountId);
  if (!account) return fail('UNAUTHORIZED', 'Account no longer exists');
  const issued = await transaction(deps.db, async (tx) => {
    const allowance = await reserveMail(tx, deps.config.serverSecret, deps.clock.now(), { kind: 'password_code', to: account.email, sender: { accountId: account.id } });
    if (!allowance.allowed) {
      const wait = String(allowance.retryAfterSeconds);
      return fail<never>('RATE_LIMITED', `Too many codes sent to this address; try again in ${wait} seconds`, { headers: { 'Retry-After': wait } });
    }
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
