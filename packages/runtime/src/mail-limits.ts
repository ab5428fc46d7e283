import {
  lockMailRecipient,
  lockMailSender,
  mailsFromSenderSince,
  mailsToRecipientFromSince,
  mailsToRecipientSince,
  recordMailSend,
  type MailKind,
  type MailPair,
  type MailSender,
  type MailWindow,
  type Queryable,
} from '@somnus/db';
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
 * asked without a session, the client's IP. An email over any limit is not sent.
 *
 * Where a stranger can cause mail to someone else's address, the hard limit is per (recipient, source), and
 * the recipient alone has only a looser ceiling (docs/architecture.md §7: limits never let a stranger lock a
 * user out). Otherwise five anonymous requests from anywhere would stop the owner's own reset code for an
 * hour, and a throwaway organization inviting and revoking an address five times would block the real
 * team's invitation for a day.
 *   verification   signup's email and the re-sends of POST /auth/verify (asked by the account itself)
 *   password_code  POST /auth/send-password-code (asked by the account itself)
 *   reset_code     POST /auth/send-reset-code: 5 an hour per (address, source IP), at most 20 an hour per
 *                  address, and 20 an hour per source IP whatever the addresses
 *   invitation     POST …/invites: 5 a day per (address, organization) — revoking and inviting again counts
 *                  each time — at most 20 a day per address across every organization, and 30 an hour per
 *                  inviting account
 */
export interface KindLimits {
  recipient: MailLimit;
  sender: MailLimit;
  /** the hard limit per (recipient, source), with the source this kind is counted by */
  pair?: MailLimit & { by: 'sender ip' | 'organization' };
}

export const MAIL_LIMITS: Record<MailKind, KindLimits> = {
  verification: { recipient: { max: 5, windowMs: HOUR_MS }, sender: { max: 5, windowMs: HOUR_MS } },
  password_code: { recipient: { max: 5, windowMs: HOUR_MS }, sender: { max: 5, windowMs: HOUR_MS } },
  reset_code: { pair: { max: 5, windowMs: HOUR_MS, by: 'sender ip' }, recipient: { max: 20, windowMs: HOUR_MS }, sender: { max: 20, windowMs: HOUR_MS } },
  invitation: { pair: { max: 5, windowMs: DAY_MS, by: 'organization' }, recipient: { max: 20, windowMs: DAY_MS }, sender: { max: 30, windowMs: HOUR_MS } },
};

/**
 * Reset codes per account, besides the mail limits above: at most 20 an hour, the same ceiling as the limit
 * per recipient; beyond that the request is answered the same and nothing is sent. Applied by `notify`
 * when it handles a reset request (docs/architecture.md §11.3); shared here because functions may not
 * import each other.
 */
export const MAX_RESET_CODES_PER_WINDOW = 20;
export const RESET_CODE_WINDOW_MS = HOUR_MS;

/** The ledger keeps an HMAC of the address, never the address (migration …_552_mail-sends). */
export function mailRecipientHash(secret: Buffer, email: string): Buffer {
  return hmacSha256(secret, 'mail-recipient', email.trim().toLowerCase());
}

/** `pair`: this source (IP or organization) has mailed this recipient too often; `recipient`: everyone together has. */
export type MailAllowance = { allowed: true } | { allowed: false; limitedBy: 'pair' | 'recipient' | 'sender'; retryAfterSeconds: number };

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
 * per-source limit covers). `orgId`: the inviting organization, for the invitation kind's pair limit.
 */
export async function reserveMail(
  tx: Queryable,
  secret: Buffer,
  now: Date,
  mail: { kind: MailKind; to: string; sender: MailSender | null; orgId?: string },
): Promise<MailAllowance> {
  return reserveMailTo(tx, mailRecipientHash(secret, mail.to), now, mail);
}

/**
 * reserveMail for a recipient whose hash was computed earlier (`mailRecipientHash`): `notify` decides on
 * reset requests with the hash the request computed, so it needs no server secret.
 */
export async function reserveMailTo(
  tx: Queryable,
  recipientHash: Buffer,
  now: Date,
  mail: { kind: MailKind; sender: MailSender | null; orgId?: string },
): Promise<MailAllowance> {
  const limits = MAIL_LIMITS[mail.kind];
  const since = (limit: MailLimit) => new Date(now.getTime() - limit.windowMs);
  await lockMailRecipient(tx, recipientHash);
  if (mail.sender) await lockMailSender(tx, mail.sender);
  const pair = pairOf(limits, mail);
  if (limits.pair && pair) {
    const byPair = over(await mailsToRecipientFromSince(tx, recipientHash, mail.kind, pair, since(limits.pair)), limits.pair, now);
    if (byPair !== null) return { allowed: false, limitedBy: 'pair', retryAfterSeconds: byPair };
  }
  const byRecipient = over(await mailsToRecipientSince(tx, recipientHash, mail.kind, since(limits.recipient)), limits.recipient, now);
  if (byRecipient !== null) return { allowed: false, limitedBy: 'recipient', retryAfterSeconds: byRecipient };
  if (mail.sender) {
    const bySender = over(await mailsFromSenderSince(tx, mail.sender, mail.kind, since(limits.sender)), limits.sender, now);
    if (bySender !== null) return { allowed: false, limitedBy: 'sender', retryAfterSeconds: bySender };
  }
  await recordMailSend(tx, { kind: mail.kind, recipientHash, sender: mail.sender, orgId: mail.orgId ?? null });
  return { allowed: true };
}

/** The source a kind's pair limit counts: the sender's IP (reset codes) or the inviting organization. */
function pairOf(limits: KindLimits, mail: { sender: MailSender | null; orgId?: string }): MailPair | null {
  if (limits.pair?.by === 'sender ip') return mail.sender && 'ip' in mail.sender ? { ip: mail.sender.ip } : null;
  if (limits.pair?.by === 'organization') {
    // an invitation always names its organization: without one the pair limit could not hold
    if (!mail.orgId) throw new Error('reserveMail: an invitation needs its organization');
    return { orgId: mail.orgId };
  }
  return null;
}
