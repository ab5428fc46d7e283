import {
  copyInviteKeysTo,
  countAccountEventsSince,
  countInviteAcceptAttempt,
  findAccountByEmail,
  findInviteInOrg,
  findMembership,
  findOrganization,
  findPendingInvite,
  insertInvite,
  insertInviteKeys,
  insertMembership,
  isUniqueViolation,
  listKeysOf,
  listPendingInvites,
  listPendingInvitesFor,
  lockInvite,
  lockOrganizationForInvites,
  projectIdsInOrg,
  recordAccountEvent,
  recordOrgEvent,
  seatsInUse,
  setInviteRole,
  setInviteStatus,
  setTenantContext,
  type AccountRow,
  type InviteListRow,
  type InviteRole,
  type InviteRow,
  type OrganizationRow,
  type SessionRow,
} from '@somnus/db';
import { roleFromId, type CreateInviteBody } from '@somnus/models';
import { constantTimeEqual, hashCode, HttpError, newCode, newId } from '@somnus/runtime';
import type { PoolClient } from 'pg';
import { sendInvitationMail } from '../invite-mail';
import { asAccount, inOrg, orgNotFound } from '../org-access';

const INVITE_ID = /^inv_[0-9a-f]{32}$/;
const inviteNotFound = () => new HttpError('NOT_FOUND', 'No such invitation');
const closed = (i: InviteRow) => new HttpError('INVITE_CLOSED', `This invitation was already ${i.status}`);
const expired = () => new HttpError('INVITE_EXPIRED', 'This invitation has expired; ask for a new one');
const invalid = (message: string) => new HttpError('VALIDATION_ERROR', message);

const wrongCode = () => new HttpError('INVALID_CODE', 'The code is wrong; it is in the invitation email (ask for a new invitation after 5 wrong tries)');

/** Wrong codes an invitation survives; then no code accepts it and the org has to invite again. */
export const MAX_ACCEPT_ATTEMPTS = 5;
/** HMAC label of acceptance codes, so that an account code can never pass as one (and vice versa). */
const ACCEPT_CODE = 'invite-accept-code';

const LOOKUP_WINDOW_MS = 60 * 60 * 1000;
const MAX_LOOKUPS_PER_WINDOW = 50;

const isExpired = (i: InviteRow) => i.expires_at.getTime() <= Date.now();
const emailDomain = (email: string) => email.slice(email.lastIndexOf('@') + 1);

/** A role an invitation can carry: admin or member (ownership is transferred, never granted by invite). */
function inviteRole(roleIdOrName: string): InviteRole {
  const role = roleFromId(roleIdOrName);
  if (!role) throw invalid(`Unknown role ${roleIdOrName}`);
  if (role === 'owner') throw new HttpError('FORBIDDEN', 'An invitation cannot make someone the owner; transfer ownership instead');
  return role;
}

/**
 * The org's rules for inviting `email`, shared by instructions and invites: team orgs only, the
 * allowed domains (seed "Invite Controls"), not a member already, and a free seat.
 */
async function checkMayInvite(tx: PoolClient, org: OrganizationRow, email: string, invitee: AccountRow | null): Promise<void> {
  if (org.type === 'personal') throw new HttpError('FORBIDDEN', 'A personal organization cannot have other members; create a team organization');
  const domains = org.allowed_invite_domains;
  if (domains.length > 0 && !domains.includes(emailDomain(email))) {
    throw new HttpError('FORBIDDEN', `This organization only invites addresses at ${domains.join(', ')}`);
  }
  if (invitee && (await findMembership(tx, org.id, invitee.id))) throw new HttpError('ALREADY_MEMBER', `${email} is already a member`);
  if (org.seat_limit !== null) {
    const { used, includesEmail } = await seatsInUse(tx, org.id, email);
    if (!includesEmail && used + 1 > org.seat_limit) {
      throw new HttpError('NEEDS_TO_INCREASE_SEATS', `All ${org.seat_limit} seats of this organization are taken (members and pending invitations)`);
    }
  }
}

async function orgOrNotFound(tx: PoolClient, orgId: string): Promise<OrganizationRow> {
  const org = await findOrganization(tx, orgId);
  if (!org) throw orgNotFound();
  return org;
}

/**
 * POST …/invites/instructions (wire-protocol §6 step 2): the invitee's public key, so the inviter's
 * client can wrap the org's project keys for them. An email without an account gets empty ids: its
 * keys are shared after sign-up through reconcile-keys.
 */
export async function inviteInstructions(session: SessionRow, orgId: string, inviteeEmail: string, ip: string | null) {
  return inOrg(session, orgId, 'create:invitation', async ({ tx, account }) => {
    // Anyone can own a team org, so this answer ("has an account, here is its public key") would let
    // an account probe addresses in bulk. Every lookup is recorded and the rate is capped per account.
    const since = new Date(Date.now() - LOOKUP_WINDOW_MS);
    if ((await countAccountEventsSince(tx, account.id, 'invite.lookup', since)) >= MAX_LOOKUPS_PER_WINDOW) {
      throw new HttpError('RATE_LIMITED', 'Too many invitation lookups; try again later', { 'Retry-After': String(LOOKUP_WINDOW_MS / 1000) });
    }
    await recordAccountEvent(tx, { accountId: account.id, type: 'invite.lookup', ip, client: null, details: { orgId } });
    const org = await orgOrNotFound(tx, orgId);
    const invitee = await findAccountByEmail(tx, inviteeEmail);
    await checkMayInvite(tx, org, inviteeEmail, invitee);
    return {
      inviteeId: invitee?.id ?? '',
      inviteeEmail,
      inviteePublicKey: invitee?.public_key ?? '',
      inviteeAutoLinked: false,
      inviteKeys: [] as { projectId: string; encSymmetricKey: string; autoLinked: boolean }[],
    };
  });
}

/**
 * POST …/invites (§6 step 4): a pending invitation carrying the project keys wrapped for the invitee.
 * Each key must be for a project of this org that the inviter holds a key for, and only an existing
 * account can have keys wrapped for it. The email goes out after the commit, with the acceptance code:
 * an account's email is not proof of owning the mailbox, the code is. Only its HMAC is stored.
 */
export async function createInvite(
  session: SessionRow,
  orgId: string,
  body: CreateInviteBody,
  opts: { ttlSeconds: number; secret: Buffer },
  ip: string | null,
) {
  const code = newCode();
  const sent = await inOrg(session, orgId, 'create:invitation', async ({ tx, account }) => {
    await lockOrganizationForInvites(tx, orgId);
    const org = await orgOrNotFound(tx, orgId);
    const email = body.inviteeEmail;
    const invitee = await findAccountByEmail(tx, email);
    await checkMayInvite(tx, org, email, invitee);
    const role = inviteRole(body.role ?? 'member');

    if (body.inviteeId && body.inviteeId !== invitee?.id) throw invalid('inviteeId is not the account of inviteeEmail');
    const keys = body.inviteKeys;
    if (keys.length > 0 && !invitee) {
      throw invalid('inviteKeys need the invitee’s public key; this email has no account yet, so share keys with reconcile-keys after they join');
    }
    const projectIds = keys.map((k) => k.projectId);
    if (new Set(projectIds).size !== projectIds.length) throw invalid('inviteKeys lists a project more than once');
    const inOrgIds = await projectIdsInOrg(tx, orgId, projectIds);
    const held = new Set((await listKeysOf(tx, orgId, account.id)).map((k) => k.project_id));
    for (const id of projectIds) {
      if (!inOrgIds.has(id)) throw invalid(`inviteKeys: ${id} is not a project of this organization`);
      if (!held.has(id)) throw invalid(`inviteKeys: you hold no key for ${id}, so you cannot share it`);
    }

    const pending = await findPendingInvite(tx, orgId, email);
    if (pending && !isExpired(pending)) throw new HttpError('INVITE_EXISTS', `${email} already has a pending invitation (${pending.id})`);
    if (pending) await setInviteStatus(tx, pending.id, 'expired');

    const id = newId('inv');
    const expiresAt = new Date(Date.now() + opts.ttlSeconds * 1000);
    const acceptCodeHash = hashCode(opts.secret, ACCEPT_CODE, code);
    try {
      await insertInvite(tx, { id, orgId, inviterId: account.id, email, role, expiresAt, acceptCodeHash });
    } catch (err) {
      if (isUniqueViolation(err)) throw new HttpError('INVITE_EXISTS', `${email} already has a pending invitation`);
      throw err;
    }
    await insertInviteKeys(tx, orgId, id, keys);
    await recordOrgEvent(tx, { orgId, actorId: account.id, type: 'invite.sent', subject: id, ip, details: { email, role, keys: keys.length } });
    const inviterName = [account.first_name, account.last_name].filter(Boolean).join(' ') || account.email;
    return { id, email, role, expiresAt, orgName: org.name, inviterName, inviterEmail: account.email };
  });
  const emailSent = await sendInvitationMail({
    inviteId: sent.id,
    code,
    inviteeEmail: sent.email,
    orgName: sent.orgName,
    inviterName: sent.inviterName,
    inviterEmail: sent.inviterEmail,
    role: sent.role,
    expiresAt: sent.expiresAt,
  });
  return { id: sent.id, inviteeEmail: sent.email, role: sent.role, expiresAt: sent.expiresAt.toISOString(), emailSent };
}

function presentInvitation(i: InviteListRow) {
  return {
    id: i.id,
    inviter: { name: i.inviter_name },
    invitee: { email: i.invitee_email },
    created_at: i.created_at.toISOString(),
    expires_at: i.expires_at.toISOString(),
    roles: [i.role],
  };
}

/** GET …/invites: pending, unexpired invitations (§6 shape, not paginated). */
export async function listOrgInvites(session: SessionRow, orgId: string) {
  return inOrg(session, orgId, 'read:invitation', async ({ tx }) => ({
    invitations: (await listPendingInvites(tx, orgId)).map(presentInvitation),
  }));
}

async function pendingInviteInOrg(tx: PoolClient, orgId: string, invitationId: string): Promise<InviteRow> {
  const invite = INVITE_ID.test(invitationId) ? await findInviteInOrg(tx, orgId, invitationId) : null;
  if (!invite) throw inviteNotFound();
  if (invite.status !== 'pending') throw closed(invite);
  return invite;
}

/** PATCH …/invites/{id} {roles:[roleId]} (§6 step 6: the client sets a non-default role after inviting). */
export async function updateInviteRole(session: SessionRow, orgId: string, invitationId: string, roleId: string, ip: string | null) {
  const role = inviteRole(roleId);
  return inOrg(session, orgId, 'create:invitation', async ({ tx, account }) => {
    const invite = await pendingInviteInOrg(tx, orgId, invitationId);
    if (isExpired(invite)) throw expired();
    if (invite.role !== role) {
      await setInviteRole(tx, invite.id, role);
      await recordOrgEvent(tx, { orgId, actorId: account.id, type: 'invite.updated', subject: invite.id, ip, details: { from: invite.role, to: role } });
    }
    // the database clock decides expiry in that list; if it just passed, say so rather than fail
    const row = (await listPendingInvites(tx, orgId)).find((i) => i.id === invite.id);
    if (!row) throw expired();
    return presentInvitation(row);
  });
}

/** DELETE …/invites/{id}: revoked, with its wrapped keys left unusable (accept refuses it). */
export async function revokeInvite(session: SessionRow, orgId: string, invitationId: string, ip: string | null): Promise<void> {
  await inOrg(session, orgId, 'delete:invitation', async ({ tx, account }) => {
    const invite = await pendingInviteInOrg(tx, orgId, invitationId);
    await setInviteStatus(tx, invite.id, 'revoked');
    await recordOrgEvent(tx, { orgId, actorId: account.id, type: 'invite.revoked', subject: invite.id, ip, details: { email: invite.invitee_email } });
  });
}

/** GET /v1/invites: the caller's own live invitations, found by their email (RLS invitee clause). */
export async function listMyInvites(session: SessionRow) {
  return asAccount(session, async (tx, account) => ({
    invitations: (await listPendingInvitesFor(tx, account.email)).map((i) => ({
      id: i.id,
      organization: { id: i.org_id, name: i.org_name },
      inviter: { name: i.inviter_name, email: i.inviter_email },
      role: i.role,
      created_at: i.created_at.toISOString(),
      expires_at: i.expires_at.toISOString(),
    })),
  }));
}

/**
 * The invitee's own invitation, locked. Someone else's invitation is not visible (RLS) and is the same
 * 404 as one that does not exist; the email check repeats what RLS already enforces.
 */
async function myPendingInvite(tx: PoolClient, account: AccountRow, invitationId: string): Promise<InviteRow> {
  const invite = INVITE_ID.test(invitationId) ? await lockInvite(tx, invitationId) : null;
  if (!invite || invite.invitee_email !== account.email) throw inviteNotFound();
  if (invite.status !== 'pending') throw closed(invite);
  if (isExpired(invite)) throw expired();
  return invite;
}

/**
 * POST /v1/invites/{id}/accept {code}: in one transaction under the invitee's context, the membership with
 * the invitation's role, the wrapped keys it carried, and the audit event. RLS lets the invitee add only
 * themselves, and only to an org with a live invitation for their email (app_may_join). The matching
 * email alone proves nothing (signup does not verify addresses), so the code mailed to the invitee is
 * required too. A wrong code is counted and committed, so the attempt cap holds although the request fails.
 */
export async function acceptInvite(session: SessionRow, invitationId: string, code: string, secret: Buffer, ip: string | null) {
  const result = await asAccount(session, async (tx, account) => {
    const invite = await myPendingInvite(tx, account, invitationId);
    if (!invite.accept_code_hash || invite.accept_attempts >= MAX_ACCEPT_ATTEMPTS) return { accepted: false as const };
    if (!constantTimeEqual(invite.accept_code_hash, hashCode(secret, ACCEPT_CODE, code))) {
      await countInviteAcceptAttempt(tx, invite.id);
      return { accepted: false as const };
    }
    const orgId = invite.org_id;
    await setTenantContext(tx, { accountId: account.id, email: account.email, orgId });
    const existing = await findMembership(tx, orgId, account.id);
    if (!existing) await insertMembership(tx, { orgId, accountId: account.id, role: invite.role });
    const projectKeys = await copyInviteKeysTo(tx, invite.id, account.id);
    await setInviteStatus(tx, invite.id, 'accepted');
    await recordOrgEvent(tx, { orgId, actorId: account.id, type: 'invite.accepted', subject: invite.id, ip, details: { role: invite.role, keys: projectKeys } });
    return { accepted: true as const, body: { organizationId: orgId, role: existing?.role ?? invite.role, projectKeys } };
  });
  if (!result.accepted) throw wrongCode();
  return result.body;
}

/** POST /v1/invites/{id}/decline. The event is written while the invitation is still live (RLS policy org_audit_events_invitee_decline). */
export async function declineInvite(session: SessionRow, invitationId: string, ip: string | null): Promise<void> {
  await asAccount(session, async (tx, account) => {
    const invite = await myPendingInvite(tx, account, invitationId);
    await recordOrgEvent(tx, { orgId: invite.org_id, actorId: account.id, type: 'invite.declined', subject: invite.id, ip });
    await setInviteStatus(tx, invite.id, 'declined');
  });
}
