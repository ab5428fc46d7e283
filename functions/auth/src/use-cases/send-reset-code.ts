import { countAccountEventsSince, findAccountByEmail, lockAccount, recordAccountEvent } from '@somnus/db';
import { auditMeta, logger, mailFailureFacts, ok, reserveMail, transaction, type Anonymous, type Result } from '@somnus/runtime';
import { issueAccountCode } from '../codes';
import type { AuthDeps } from '../deps';
import { MAX_RESET_CODES_PER_WINDOW, RESET_CODE_WINDOW_MS } from '../policy';

/**
 * Emails a single-use code that allows resetting the account after a forgotten passphrase. The answer is
 * the same `{ok: true}` whether the account exists, is rate limited, or the mail server failed, so the
 * endpoint cannot be used to learn which emails have accounts. Besides 20 an hour per account, the mail
 * limits per (recipient, source), per recipient and per source (docs/architecture.md §11.1) apply, with the
 * same silent answer.
 *
 * The code goes to unverified addresses too: it is how whoever reads a mailbox takes back an address
 * someone else signed up with (a reset replaces the keys and the sessions, and verifies the address), and
 * anyone can already have codes mailed to any verified account's address within the same limits.
 */
export async function sendResetCode(deps: AuthDeps, actor: Anonymous, input: { email: string }): Promise<Result<{ ok: true }>> {
  const done = ok({ ok: true as const });
  const known = await findAccountByEmail(deps.db, input.email);
  if (!known) return done;
  const now = deps.clock.now();
  const issued = await transaction(deps.db, async (tx) => {
    // the row lock serialises concurrent requests, so the hourly count cannot be raced past
    const account = await lockAccount(tx, known.id);
    if (!account) return ok(null);
    const sent = await countAccountEventsSince(tx, account.id, 'account.reset_code_sent', new Date(now.getTime() - RESET_CODE_WINDOW_MS));
    if (sent >= MAX_RESET_CODES_PER_WINDOW) return ok(null);
    const sender = actor.meta.ip ? { ip: actor.meta.ip } : null;
    if (!(await reserveMail(tx, deps.config.serverSecret, now, { kind: 'reset_code', to: account.email, sender })).allowed) return ok(null);
    await recordAccountEvent(tx, { accountId: account.id, type: 'account.reset_code_sent', ...auditMeta(actor) });
    return ok({ email: account.email, code: await issueAccountCode(tx, deps.config.serverSecret, now, account.id, 'account_reset') });
  });
  if (!issued.ok || !issued.value) return done;
  try {
    await deps.mail.send({ to: issued.value.email, subject: 'Your Somnus account reset code', text: resetCodeMail(issued.value.code) });
  } catch (err) {
    // an error answer here would tell the caller the account exists; the user can simply ask again
    logger().warn({ event: 'reset_code_mail_failed', err: mailFailureFacts(err) }, 'reset code email could not be sent');
  }
  return done;
}

function resetCodeMail(code: string): string {
  return (
    `Someone (hopefully you) asked to reset your Somnus account because the passphrase was forgotten.\n` +
    `Your reset code is:\n\n    ${code}\n\n` +
    `It works once and expires in 15 minutes.\n\n` +
    `Read this before you use it. Your data is end-to-end encrypted with keys that only your passphrase\n` +
    `unlocks, so a reset cannot recover them: it replaces your keys with new ones.\n` +
    `  - Data that only your account could decrypt (your personal projects, and team projects nobody else\n` +
    `    has a key for) is deleted from the server. Copies on your own devices are not touched.\n` +
    `  - You stay a member of your teams. Their data comes back once an owner or admin of each team\n` +
    `    re-shares the keys with you; they are told by email.\n` +
    `  - Every device is signed out.\n\n` +
    `If you remember your passphrase, do not reset: sign in instead. If you did not ask for this, ignore\n` +
    `this email; nothing changes without the code.\n`
  );
}
