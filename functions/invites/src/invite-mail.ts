import type { Mailer } from '@somnus/runtime';

export interface InvitationMail {
  inviteId: string;
  /** the single-use acceptance code; only this email carries it */
  code: string;
  inviteeEmail: string;
  orgName: string;
  inviterName: string;
  inviterEmail: string;
  role: string;
  expiresAt: Date;
}

/** The invitation email: who invites whom to what, the acceptance code, and the two ways to accept (CLI and API). */
export function invitationMailText(m: InvitationMail): string {
  return (
    `${m.inviterName} (${m.inviterEmail}) invited you to join the organization "${m.orgName}" on Somnus as ${m.role}.\n\n` +
    `Invitation: ${m.inviteId}\n\n` +
    `Your acceptance code is:\n\n    ${m.code}\n\n` +
    `To accept, sign up or log in with this email address (${m.inviteeEmail}), then run\n\n` +
    `    somnus org accept ${m.inviteId} --code ${m.code}\n\n` +
    `or call POST /v1/invites/${m.inviteId}/accept with your session and {"code": "${m.code}"} (…/decline to decline).\n\n` +
    `The invitation expires on ${m.expiresAt.toISOString()}. If you did not expect it, you can ignore this email.\n`
  );
}

/** Names are user input: keep them from breaking the header onto a new line. */
const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, ' ');

/**
 * Sends it after the invite is committed. A failed send does not undo the invite: the invitee can still
 * find it with GET /v1/invites, so the caller reports the failure instead of failing the request.
 */
export async function sendInvitationMail(mail: Mailer, m: InvitationMail): Promise<boolean> {
  try {
    await mail.send({ to: m.inviteeEmail, subject: oneLine(`${m.inviterName} invited you to ${m.orgName} on Somnus`), text: invitationMailText(m) });
    return true;
  } catch {
    return false;
  }
}
