import crypto from 'node:crypto';
import { countAccountEventsSince, enqueueMail, findAccountByEmail, lockAccount, recordAccountEvent } from '@somnus/db';
import { auditMeta, dispatchSoon, ok, reserveMail, transaction, type Anonymous, type Result } from '@somnus/runtime';
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
 *
 * The email is an outbox row written in the transaction that stores the code, sent by `notify`
 * (docs/architecture.md §11.3): the request never waits for SMTP, so its timing does not tell a real
 * account from an unknown email by a mail server's latency, and a failed send is retried.
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
    const code = await issueAccountCode(tx, deps.config.serverSecret, now, account.id, 'account_reset');
    const outboxId = await enqueueMail(tx, {
      kind: 'reset_code',
      dedupeKey: `reset_code:${account.id}:${crypto.randomBytes(12).toString('hex')}`,
      accountId: account.id,
      email: account.email,
      data: { secret: { code } },
    });
    return ok(outboxId);
  });
  if (issued.ok && issued.value) dispatchSoon(deps.db, [issued.value]);
  return done;
}
