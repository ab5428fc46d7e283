import type { Pool } from 'pg';
import { findAccountById, recordAccountEvent, withTransaction, type SessionRow } from '@somnus/db';
import { sendMail } from '@somnus/runtime';
import { issueAccountCode } from '../codes';
import { fail, ok, type Result } from '../result';

/**
 * Emails a single-use code for a passphrase change (L22 flow, wire-protocol §4.3). The code is stored
 * (hashed) before the email goes out, and a new request replaces the old code.
 */
export async function sendPasswordCode(
  db: Pool,
  secret: Buffer,
  session: SessionRow,
  meta: { ip: string | null; client: string | null },
): Promise<Result<{ ok: true }>> {
  const account = await findAccountById(db, session.account_id);
  if (!account) return fail('UNAUTHORIZED', 'Account no longer exists');
  const code = await withTransaction(db, async (tx) => {
    await recordAccountEvent(tx, { accountId: account.id, type: 'password.code_sent', ...meta });
    return issueAccountCode(tx, secret, account.id, 'password_change');
  });
  try {
    await sendMail({
      to: account.email,
      subject: 'Your Somnus passphrase change code',
      text:
        `Your code to change your Somnus passphrase is:\n\n    ${code}\n\n` +
        `It works once and expires in 15 minutes. If you did not ask for it, you can ignore this email; ` +
        `your passphrase stays the same.\n`,
    });
  } catch {
    return fail('SERVICE_UNAVAILABLE', 'The email could not be sent; try again in a moment');
  }
  return ok({ ok: true });
}
