import crypto from 'node:crypto';
import { claimForSend, findOutboxMail, markFailed, markRetry, markSent, SETTLED_OUTBOX_STATES } from '@somnus/db';
import { fail, logger, mailFailureFacts, ok, type Result } from '@somnus/runtime';
import type { NotifyDeps } from '../deps';
import { renderOutboxMail, Unrenderable } from '../render';
import { resolveResetRequest } from './resolve-reset-request';

export interface DeliverInput {
  outboxId: string;
}

/** What happened to the delivery; every outcome acknowledges the message. `skipped`: a reset request that sends nothing. */
export type Delivery = 'sent' | 'duplicate' | 'failed' | 'skipped' | 'unknown';

/**
 * An SMTP answer that no retry changes: a 5xx reply to the message (mailbox unknown, message refused).
 * Connection failures, timeouts and 4xx replies are transient.
 */
export function isPermanentSmtpFailure(err: unknown): boolean {
  const { responseCode } = mailFailureFacts(err);
  return responseCode !== null && responseCode >= 500 && responseCode < 600;
}

/** The failure as stored and shown to operators: kind and codes, never the server's text (it quotes the address). */
function reasonOf(err: unknown): string {
  const f = mailFailureFacts(err);
  return [f.type, f.smtpCode, f.responseCode].filter((x) => x !== null && x !== undefined).join(' ');
}

/**
 * Sends the email of one outbox row, once (docs/architecture.md §11.3):
 *  1. claim the row with a fresh token (counting the attempt) — a settled row, or one another instance is
 *     sending right now, is not claimed;
 *     a reset request not yet decided is decided now, once (resolve-reset-request.ts): settled `skipped`
 *     (unknown email, over a limit), or its code stored and the row made the reset email;
 *  2. render and send it over SMTP;
 *  3. settle it with the token: sent; or on a transient failure back to waiting, and the message is
 *     redelivered (failure result); or failed after the last attempt or a permanent refusal.
 * A redelivered message for a sent row is acknowledged without sending. An instance killed between 1 and 3
 * leaves a claim that expires after the lease; the next delivery takes the row over.
 */
export async function deliverMail(deps: NotifyDeps, input: DeliverInput): Promise<Result<Delivery>> {
  if (!/^[1-9][0-9]{0,18}$/.test(input.outboxId)) return ok('unknown');
  const token = crypto.randomBytes(16).toString('hex');
  let row = await claimForSend(deps.db, input.outboxId, token, deps.config.claimLeaseSeconds);
  if (!row) {
    const current = await findOutboxMail(deps.db, input.outboxId);
    if (!current) return ok('unknown');
    if (SETTLED_OUTBOX_STATES.includes(current.state)) return ok('duplicate');
    // another instance holds a live claim: ask for the message again later, when it has settled or expired
    return fail('SERVICE_UNAVAILABLE', 'the email is being sent by another instance');
  }

  if (row.kind === 'reset_request' && !row.account_id) {
    const decided = await resolveResetRequest(deps, row, token);
    if ('lost' in decided) return fail('SERVICE_UNAVAILABLE', 'the claim expired and another instance took the row over');
    if ('skipped' in decided) return ok('skipped');
    row = decided.send;
  }

  let mail;
  try {
    mail = await renderOutboxMail(deps.db, row, deps.config.publicUrl);
  } catch (err) {
    if (!(err instanceof Unrenderable)) throw err;
    await markFailed(deps.db, row.id, token, `unrenderable: ${err.message}`);
    return ok('failed');
  }

  try {
    await deps.mail.send({ to: row.email, subject: mail.subject, text: mail.text, html: mail.html, messageId: `<outbox-${row.id}@somnus>` });
  } catch (err) {
    const reason = reasonOf(err);
    if (isPermanentSmtpFailure(err) || row.attempts >= deps.config.maxAttempts) {
      await markFailed(deps.db, row.id, token, reason);
      return ok('failed');
    }
    await markRetry(deps.db, row.id, token, reason);
    return fail('SERVICE_UNAVAILABLE', `SMTP failed (${reason}); attempt ${row.attempts} of ${deps.config.maxAttempts}`);
  }
  if (!(await markSent(deps.db, row.id, token))) {
    // our claim expired while sending and another instance took the row over: it may send this email too.
    // The lease outlasts the function timeout plus the send deadline (deps.ts), so this should not happen;
    // when it does, say so (ids only, never the address)
    logger().warn(
      { event: 'mail_possible_duplicate', outboxId: row.id, kind: row.kind, attempt: row.attempts },
      'sent an email whose claim had been taken over: the recipient may get it twice',
    );
  }
  return ok('sent');
}
