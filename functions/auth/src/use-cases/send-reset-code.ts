import type { Pool } from 'pg';
import { countAccountEventsSince, findAccountByEmail, lockAccount, recordAccountEvent, withTransaction } from '@somnus/db';
import { logger, sendMail } from '@somnus/runtime';
import { issueAccountCode } from '../codes';
import { MAX_RESET_CODES_PER_WINDOW, RESET_CODE_WINDOW_MS } from '../policy';

/**
 * Emails a single-use code that allows resetting the account after a forgotten passphrase. The answer is
 * the same `{ok: true}` whether the account exists, is rate limited, or the mail server failed, so the
 * endpoint cannot be used to learn which emails have accounts.
 */
export async function sendResetCode(
  db: Pool,
  secret: Buffer,
  email: string,
  meta: { ip: string | null; client: string | null },
): Promise<{ ok: true }> {
  const known = await findAccountByEmail(db, email);
  if (!known) return { ok: true };
  const issued = await withTransaction(db, async (tx) => {
    // the row lock serialises concurrent requests, so the hourly count cannot be raced past
    const account = await lockAccount(tx, known.id);
    if (!account) return null;
    const sent = await countAccountEventsSince(tx, account.id, 'account.reset_code_sent', new Date(Date.now() - RESET_CODE_WINDOW_MS));
    if (sent >= MAX_RESET_CODES_PER_WINDOW) return null;
    await recordAccountEvent(tx, { accountId: account.id, type: 'account.reset_code_sent', ...meta });
    return { email: account.email, code: await issueAccountCode(tx, secret, account.id, 'account_reset') };
  });
  if (!issued) return { ok: true };
  try {
    await sendMail({ to: issued.email, subject: 'Your Somnus account reset code', text: resetCodeMail(issued.code) });
  } catch (err) {
    // an error answer here would tell the caller the account exists; the user can simply ask again
    logger().warn({ event: 'reset_code_mail_failed', err: (err as Error).message }, 'reset code email could not be sent');
  }
  return { ok: true };
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
