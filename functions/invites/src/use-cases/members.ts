import {
  deleteMembership,
  findMembership,
  findOrganization,
  listMembers,
  lockMembership,
  lockOrganization,
  recordOrgEvent,
  setOrganizationOwner,
  updateMemberRole,
  type SessionRow,
} from '@somnus/db';
import { ROLE_DESCRIPTIONS, ROLE_IDS, roleFromId, type Role } from '@somnus/models';
import { HttpError } from '@somnus/runtime';
import { inOrg, orgNotFound } from '../org-access';
import { pageEnvelope, presentMember } from '../present';

const memberNotFound = () => new HttpError('NOT_FOUND', 'No such member');

export async function listOrgMembers(session: SessionRow, orgId: string, q: { page: number; per_page: number; email?: string }) {
  return inOrg(session, orgId, 'read:membership', async ({ tx }) => {
    const email = q.email?.trim().toLowerCase() || undefined;
    const { rows, total } = await listMembers(tx, orgId, { offset: q.page * q.per_page, limit: q.per_page, email });
    return { members: rows.map(presentMember), ...pageEnvelope(q, rows.length, total) };
  });
}

export async function getMemberRole(session: SessionRow, orgId: string, accountId: string) {
  return inOrg(session, orgId, 'read:membership', async ({ tx }) => {
    const m = await findMembership(tx, orgId, accountId);
    if (!m) throw memberNotFound();
    return { roleId: ROLE_IDS[m.role], name: m.role, description: ROLE_DESCRIPTIONS[m.role] };
  });
}

/** Roles below owner only; ownership moves with transferOwnership, so an org always keeps one owner. */
export async function setMemberRole(session: SessionRow, orgId: string, accountId: string, roleId: string, ip: string | null) {
  const role = roleFromId(roleId);
  if (!role) throw new HttpError('VALIDATION_ERROR', `Unknown role ${roleId}`);
  return inOrg(session, orgId, 'update:membership', async ({ tx, account }) => {
    // locked: an ownership transfer to this member in parallel must not be overwritten
    const target = await lockMembership(tx, orgId, accountId);
    if (!target) throw memberNotFound();
    if (target.role === 'owner') throw new HttpError('FORBIDDEN', 'The owner’s role cannot be changed; transfer ownership instead');
    if (role === 'owner') throw new HttpError('FORBIDDEN', 'Use the ownership transfer to make someone the owner');
    if (target.role !== role) {
      await updateMemberRole(tx, orgId, accountId, role);
      await recordOrgEvent(tx, { orgId, actorId: account.id, type: 'member.role_changed', subject: accountId, ip, details: { from: target.role, to: role } });
    }
    return { roleId: ROLE_IDS[role], name: role, description: ROLE_DESCRIPTIONS[role] };
  });
}

/** Removing a member deletes their wrapped keys in the same transaction: access ends at once. */
export async function removeMember(session: SessionRow, orgId: string, accountId: string, ip: string | null): Promise<void> {
  await inOrg(session, orgId, 'delete:membership', async ({ tx, account }) => {
    const target = await lockMembership(tx, orgId, accountId);
    if (!target) throw memberNotFound();
    if (target.role === 'owner') throw new HttpError('FORBIDDEN', 'The owner cannot be removed');
    await deleteMembership(tx, orgId, accountId);
    await recordOrgEvent(tx, { orgId, actorId: account.id, type: 'member.removed', subject: accountId, ip });
  });
}

export async function leaveOrganization(session: SessionRow, orgId: string, ip: string | null): Promise<void> {
  await inOrg(session, orgId, 'leave:organization', async ({ tx, account, membership }) => {
    const org = await findOrganization(tx, orgId);
    if (!org) throw orgNotFound();
    if (org.type === 'personal' || membership.role === 'owner') {
      throw new HttpError('FORBIDDEN', 'The owner cannot leave; transfer ownership first');
    }
    await recordOrgEvent(tx, { orgId, actorId: account.id, type: 'member.left', subject: account.id, ip });
    await deleteMembership(tx, orgId, account.id);
  });
}

/** The new owner must already be a member; the previous owner stays on as an admin. */
export async function transferOwnership(session: SessionRow, orgId: string, accountId: string, ip: string | null): Promise<{ ownerAccountId: string }> {
  return inOrg(session, orgId, 'start:organization:transfer', async ({ tx, account }) => {
    // serialise transfers on the org row, then re-check that the caller is still the owner
    const org = await lockOrganization(tx, orgId);
    if (!org) throw orgNotFound();
    if (org.type === 'personal') throw new HttpError('FORBIDDEN', 'A personal organization cannot change owner');
    const caller = await lockMembership(tx, orgId, account.id);
    if (caller?.role !== 'owner' || org.owner_account_id !== account.id) throw new HttpError('FORBIDDEN', 'Only the owner can transfer ownership');
    const target = await lockMembership(tx, orgId, accountId);
    if (!target) throw memberNotFound();
    if (target.account_id === account.id) return { ownerAccountId: account.id };
    const newRole: Role = 'owner';
    // this order is what the database guards allow: hand over the org, promote, then step down
    await setOrganizationOwner(tx, orgId, accountId);
    await updateMemberRole(tx, orgId, accountId, newRole);
    await updateMemberRole(tx, orgId, account.id, 'admin');
    await recordOrgEvent(tx, { orgId, actorId: account.id, type: 'owner.transferred', subject: accountId, ip });
    return { ownerAccountId: accountId };
  });
}
