import crypto from 'node:crypto';
import { enqueueMail, findAccountById, recordAccountEvent } from '@somnus/db';
import { auditMeta, dispatchSoon, fail, ok, reserveMail, transaction, type Result, type SessionActor } from '@somnus/runtime';
import { issueAccountCode } from '../codes';
import type { AuthDeps } from '../deps';

/**
 * Emails a single-use code for a passphrase change (docs/protocol.md §4.3). The code is stored (hashed)
 * before the email goes out, and a new request replaces the old code. Within the mail limits per
 * recipient and per sender (docs/architecture.md §11.1), so a session cannot turn this into a flood of
 * mail to an address it may not own (an unverified one): beyond them, 429 and nothing is sent.
 * The email is an outbox row of the same transaction, sent by `notify` (docs/architecture.md §11.3).
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
    const code = await issueAccountCode(tx, deps.config.serverSecret, deps.clock.now(), account.id, 'password_change');
    const outboxId = await enqueueMail(tx, {
      kind: 'password_code',
      dedupeKey: `password_code:${account.id}:${crypto.randomBytes(12).toString('hex')}`,
      accountId: account.id,
      email: account.email,
      data: { secret: { code } },
    });
    return ok(outboxId);
  });
  if (!issued.ok) return issued;
  if (issued.value) dispatchSoon(deps.db, [issued.value]);
  return ok({ ok: true as const });
}
