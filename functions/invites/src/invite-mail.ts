import { linkConfig, quoteUserText, type Mailer } from '@somnus/runtime';

export interface InvitationMail {
  inviteId: string;
  /** the token of the email's link: using it verifies the invited address; only this email carries it */
  linkToken: string;
  inviteeEmail: string;
  orgName: string;
  inviterName: string;
  inviterEmail: string;
  role: string;
  expiresAt: Date;
}

/** The invitation's link: the CLI and SDK take it (or its token) to sign up or verify (docs/protocol.md §6). */
export function invitationLink(token: string): string {
  return `${linkConfig().publicUrl}/auth/verify?invite=${token}`;
}

/**
 * The invitation email. The organization's and the inviter's names are words someone chose, so they are
 * quoted and cannot break a line (docs/architecture.md §11.1): a name cannot pose as a line of ours.
 */
export function invitationMailText(m: InvitationMail): string {
  const link = invitationLink(m.linkToken);
  return (
    `You are invited to join an organization on Somnus as ${m.role}.\n\n` +
    `    Organization (named by its owner): ${quoteUserText(m.orgName)}\n` +
    `    Invited by (their name as they gave it): ${quoteUserText(m.inviterName)} <${m.inviterEmail}>\n` +
    `    Invitation: ${m.inviteId}\n\n` +
    `This link is your invitation. Using it confirms that ${m.inviteeEmail} is yours:\n\n    ${link}\n\n` +
    `New to Somnus? Sign up with it:\n\n    somnus signup --email ${m.inviteeEmail} --invite '${link}'\n\n` +
    `Already have an account with this address? Log in, and if the address is not verified yet:\n\n` +
    `    somnus verify --invite '${link}'\n\n` +
    `Then accept with\n\n    somnus org accept ${m.inviteId}\n\n` +
    `or POST /v1/invites/${m.inviteId}/accept with your session (…/decline to decline).\n\n` +
    `The invitation expires on ${m.expiresAt.toISOString()}. If you did not expect it, ignore this email.\n`
  );
}

/**
 * Sends it after the invite is committed. A failed send does not undo the invite: the invitee can still
 * find it with GET /v1/invites once their address is verified, so the caller reports the failure instead
 * of failing the request.
 */
export async function sendInvitationMail(mail: Mailer, m: InvitationMail): Promise<boolean> {
  try {
    await mail.send({
      to: m.inviteeEmail,
      subject: `${quoteUserText(m.inviterName, 60)} invited you to the organization ${quoteUserText(m.orgName, 60)} on Somnus`,
      text: invitationMailText(m),
    });
    return true;
  } catch {
    return false;
  }
}
