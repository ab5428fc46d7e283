import { enqueueMail, findLiveInviteTokenHash, replaceAccountCode, type MailSender, type Queryable } from '@somnus/db';
import { ID_PREFIX } from '@somnus/models';
import { constantTimeEqual, hashLinkToken, newCode, newId, newLinkToken, reserveMail, type MailAllowance } from '@somnus/runtime';
import { hashCode } from './codes';
import type { AuthDeps } from './deps';
import { VERIFICATION_TTL_MS } from './policy';

/**
 * One verification email, queued in the mail outbox (docs/architecture.md §11.3): `outboxId` is published
 * after the commit and `notify` sends it. The code and link token travel in the outbox row only until it is
 * sent; the account codes keep only their keyed hashes.
 */
export interface Verification {
  outboxId: string | null;
}

/**
 * A fresh verification for the account (docs/protocol.md §4.1), replacing any earlier one so that only the
 * latest email works, and the email's slot under the mail limits (docs/architecture.md §11.1). Nothing is
 * stored when a limit refuses the email.
 */
export async function issueVerification(
  tx: Queryable,
  deps: AuthDeps,
  account: { id: string; email: string },
  sender: MailSender | null,
): Promise<{ allowance: Extract<MailAllowance, { allowed: false }> } | { verification: Verification }> {
  const now = deps.clock.now();
  const allowance = await reserveMail(tx, deps.config.serverSecret, now, { kind: 'verification', to: account.email, sender });
  if (!allowance.allowed) return { allowance };
  const code = newCode();
  const linkToken = newLinkToken();
  const codeId = newId(ID_PREFIX.code);
  await replaceAccountCode(tx, {
    id: codeId,
    accountId: account.id,
    purpose: 'email_verification',
    codeHash: hashCode(deps.config.serverSecret, code),
    linkHash: hashLinkToken(deps.config.serverSecret, 'email-verification-link', linkToken),
    expiresAt: new Date(now.getTime() + VERIFICATION_TTL_MS),
  });
  const outboxId = await enqueueMail(tx, {
    kind: 'verification',
    dedupeKey: `verification:${codeId}`,
    accountId: account.id,
    email: account.email,
    data: { secret: { code, linkToken } },
  });
  return { verification: { outboxId } };
}

/**
 * Whether `token` is the link token of a live invitation addressed to `email` (docs/protocol.md §6): the
 * invitation email reached that mailbox, so holding its token proves the address. The caller's transaction
 * must have `email` in its tenant context (RLS shows an invitation only to its invitee). Found by the keyed
 * hash through a unique index and compared again in constant time.
 */
export async function inviteTokenProves(tx: Queryable, secret: Buffer, email: string, token: string): Promise<boolean> {
  const hash = hashLinkToken(secret, 'invite-link', token);
  const stored = await findLiveInviteTokenHash(tx, email, hash);
  return stored !== null && constantTimeEqual(stored, hash);
}
