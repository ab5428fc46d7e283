import { lockMailRecipient, mailsFromSenderSince, mailsToRecipientSince, recordMailSend, type MailKind, type MailSender, type MailWindow, type Queryable } from '@somnus/db';
import { hmacSha256 } from './secrets';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export interface MailLimit {
  max: number;
  windowMs: number;
}

/**
 * How many emails of each kind one address may receive, and one sender may cause, within a sliding window
 * (docs/architecture.md §11.1). The sender is the account whose session asked; for a reset code, which is
 * asked without a session, the client's IP. An email over either limit is not sent.
 *   verification   signup's email and the re-sends of POST /auth/verify
 *   password_code  POST /auth/send-password-code
 *   reset_code     POST /auth/send-reset-code (per account it is also 5 an hour: functions/auth/src/policy.ts)
 *   invitation     POST …/invites, across every organization: revoking and inviting again counts each time
 */
export const MAIL_LIMITS: Record<MailKind, { recipient: MailLimit; sender: MailLimit }> = {
  verification: { recipient: { max: 5, windowMs: HOUR_MS }, sender: { max: 5, windowMs: HOUR_MS } },
  password_code: { recipient: { max: 5, windowMs: HOUR_MS }, sender: { max: 5, windowMs: HOUR_MS } },
  reset_code: { recipient: { max: 5, windowMs: HOUR_MS }, sender: { max: 20, windowMs: HOUR_MS } },
  invitation: { recipient: { max: 5, windowMs: DAY_MS }, sender: { max: 30, windowMs: HOUR_MS } },
};

/** The ledger keeps an HMAC of the address, never the address (migration …_552_mail-sends). */
export function mailRecipientHash(secret: Buffer, email: string): Buffer {
  return hmacSha256(secret, 'mail-recipient', email.trim().toLowerCase());
}

export type MailAllowance = { allowed: true } | { allowed: false; limitedBy: 'recipient' | 'sender'; retryAfterSeconds: number };

function over(window: MailWindow, limit: MailLimit, now: Date): number | null {
  if (window.count < limit.max) return null;
  const frees = (window.oldest?.getTime() ?? now.getTime()) + limit.windowMs;
  return Math.max(1, Math.ceil((frees - now.getTime()) / 1000));
}

/**
 * Decides whether one email may go out and, if so, counts it, inside the caller's transaction: the count
 * is committed with what the email carries (a code's hash, an invitation) and before it is sent, as every
 * email is (docs/architecture.md §11.1). Decisions for one recipient are serialised, so concurrent
 * requests cannot both take the last slot. `sender` null: nobody to count (signup, which its own
 * per-source limit covers).
 */
export async function reserveMail(
  tx: Queryable,
  secret: Buffer,
  now: Date,
  mail: { kind: MailKind; to: string; sender: MailSender | null },
): Promise<MailAllowance> {
  const limits = MAIL_LIMITS[mail.kind];
  const recipientHash = mailRecipientHash(secret, mail.to);
  await lockMailRecipient(tx, recipientHash);
  const byRecipient = over(await mailsToRecipientSince(tx, recipientHash, mail.kind, new Date(now.getTime() - limits.recipient.windowMs)), limits.recipient, now);
  if (byRecipient !== null) return { allowed: false, limitedBy: 'recipient', retryAfterSeconds: byRecipient };
  if (mail.sender) {
    const bySender = over(await mailsFromSenderSince(tx, mail.sender, mail.kind, new Date(now.getTime() - limits.sender.windowMs)), limits.sender, now);
    if (bySender !== null) return { allowed: false, limitedBy: 'sender', retryAfterSeconds: bySender };
  }
  await recordMailSend(tx, { kind: mail.kind, recipientHash, sender: mail.sender });
  return { allowed: true };
}
