/**
 * The whole client side of inviting someone (docs/protocol.md §6 "The invite and key-sharing flow"), in the
 * order Insomnia's desktop client runs it: check-seats → invites/instructions → my-project-keys →
 * unwrap and re-wrap locally → POST invites → reconcile-keys → PATCH the role unless it is `member`.
 * The server never sees an unwrapped key: it hands over wrapped copies and public keys, and stores
 * the copies this function wraps.
 */
import type { RsaPrivateJwk } from '@somnus/crypto';
import { normalizeEmail } from '@somnus/crypto';
import {
  ROLE_IDS,
  type CreateInviteResponse,
  type OrgInvitation,
  type Role,
} from '@somnus/models';
import { NoSeatsError } from '../errors';
import type { HttpClient } from '../http';
import type { KeyGuard } from '../trust/guard';
import { inviteKeysFor } from './project-keys';
import { openProjectKeys, reconcile, type ReshareResult } from './share-keys';

/** Roles an invitation (or a role change) can give; ownership only moves by transfer. */
export type MemberRole = Exclude<Role, 'owner'>;

export interface InviteInput {
  orgId: string;
  email: string;
  role: MemberRole;
  /** The inviter's private key (from unwrapKeys): it opens the project keys to re-wrap them. Secret. */
  privateJwk: RsaPrivateJwk;
}

export interface InviteResult {
  invitation: CreateInviteResponse;
  /** True when the invitee already has an account and got wrapped keys with the invite. */
  inviteeHasAccount: boolean;
  /** Project keys wrapped for the invitee and sent with the invite. */
  projectsShared: number;
  /** What the reconcile-keys step shared with other members who lacked keys. */
  reconciled: ReshareResult;
}

export async function invite(http: HttpClient, sessionId: string, input: InviteInput, guard: KeyGuard): Promise<InviteResult> {
  const { orgId, role, privateJwk } = input;
  const email = normalizeEmail(input.email);
  const params = { orgId };
  // checked before anything is sent: the role is applied after the invite exists (step 6), and a
  // refused role then would leave an invitation with the wrong one behind
  if ((role as Role) === 'owner' || !Object.hasOwn(ROLE_IDS, role)) throw new TypeError(`an invitation cannot give the role ${role}`);

  const seats = await http.call('POST /v1/organizations/:orgId/check-seats', { params, body: { emails: [email] }, sessionId });
  if (!seats.isAllowed) throw new NoSeatsError(orgId);

  const instructions = await http.call('POST /v1/organizations/:orgId/invites/instructions', { params, body: { inviteeEmail: email }, sessionId });
  // Every key is opened before anything is written; one that does not open (reported in
  // reconciled.unopenable) is left out rather than failing the invite: the project's other holders can share it.
  const opened = await openProjectKeys(http, sessionId, orgId, privateJwk);
  // the invitee's key is checked before anything is wrapped for it (docs/key-authenticity.md §3)
  if (instructions.inviteePublicKey && opened.keys.size > 0) {
    await guard.approve(orgId, [{ accountId: instructions.inviteeId, email, publicKey: instructions.inviteePublicKey }]);
  }
  const inviteKeys = inviteKeysFor(opened.keys, instructions.inviteePublicKey, instructions.inviteeAutoLinked);

  const invitation = await http.call('POST /v1/organizations/:orgId/invites', {
    params,
    body: { inviteeId: instructions.inviteeId, inviteeEmail: email, inviteKeys },
    sessionId,
  });

  const reconciled = await reconcile(http, sessionId, orgId, opened, guard);

  // Insomnia creates invites with the default role and then PATCHes it (docs/protocol.md §6 step 6); so do we, so
  // that both paths of the server are the ones real clients use.
  if (role !== 'member') {
    const updated = await http.call('PATCH /v1/organizations/:orgId/invites/:invitationId', {
      params: { orgId, invitationId: invitation.id },
      body: { roles: [ROLE_IDS[role]] },
      sessionId,
    });
    invitation.role = updated.roles[0] ?? invitation.role;
  }
  return { invitation, inviteeHasAccount: Boolean(instructions.inviteePublicKey), projectsShared: inviteKeys.length, reconciled };
}

/** The org's pending invitations (docs/protocol.md §6 `GET …/invites`). */
export async function listOrgInvites(http: HttpClient, sessionId: string, orgId: string): Promise<OrgInvitation[]> {
  const res = await http.call('GET /v1/organizations/:orgId/invites', { params: { orgId }, sessionId });
  return res.invitations;
}
