import { findLiveInviteTokenHash, replaceAccountCode, type MailSender, type Queryable } from '@somnus/db';
import { ID_PREFIX } from '@somnus/models';
import { constantTimeEqual, hashLinkToken, linkConfig, logger, mailFailureFacts, newCode, newId, newLinkToken, reserveMail, type MailAllowance, type Mailer } from '@somnus/runtime';
import { hashCode } from './codes';
import type { AuthDeps } from './deps';
import { VERIFICATION_TTL_MS } from './policy';

/** What one verification email carries: a code to type back and a link. Only their keyed hashes are stored. */
export interface Verification {
  to: string;
  code: string;
  linkToken: string;
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
  await replaceAccountCode(tx, {
    id: newId(ID_PREFIX.code),
    accountId: account.id,
    purpose: 'email_verification',
    codeHash: hashCode(deps.config.serverSecret, code),
    linkHash: hashLinkToken(deps.config.serverSecret, 'email-verification-link', linkToken),
    expiresAt: new Date(now.getTime() + VERIFICATION_TTL_MS),
  });
  return { verification: { to: account.email, code, linkToken } };
}

export function verificationLink(token: string): string {
  return `${linkConfig().publicUrl}/auth/verify?token=${token}`;
}

export function verificationMailText(v: Verification): string {
  return (
    `Someone (hopefully you) signed up for Somnus with this email address. To confirm that it is yours,\n` +
    `open this link:\n\n    ${verificationLink(v.linkToken)}\n\n` +
    `or, logged in, type the code:\n\n    ${v.code}\n\n` +
    `with \`somnus verify ${v.code}\` (or POST /auth/verify {"code": "…"} with your session).\n\n` +
    `The link and the code work once and expire in 24 hours. Until the address is confirmed, the account\n` +
    `cannot see, accept or decline invitations sent to it.\n\n` +
    `If you did not sign up, ignore this email: without the link or the code the address stays unconfirmed.\n`
  );
}

/**
 * After the commit (docs/architecture.md §11.1). Whether a failure is an error is the caller's decision:
 * signup has already made the account and reports it anyway; a re-send answers 503.
 */
export async function sendVerificationMail(mail: Mailer, v: Verification): Promise<boolean> {
  try {
    await mail.send({ to: v.to, subject: 'Confirm your email address for Somnus', text: verificationMailText(v) });
    return true;
  } catch (err) {
    logger().warn({ event: 'verification_mail_failed', err: mailFailureFacts(err) }, 'verification email could not be sent');
    return false;
  }
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
