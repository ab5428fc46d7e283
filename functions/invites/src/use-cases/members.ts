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
} from '@somnus/db';
import { ROLE_DESCRIPTIONS, ROLE_IDS, roleFromId, type Role } from '@somnus/models';
import { fail, ok, orgTransaction, type OrgActor, type Result } from '@somnus/runtime';
import type { InvitesDeps } from '../deps';
import { pageEnvelope, presentMember } from '../present';

const memberNotFound = () => fail<never>('NOT_FOUND', 'No such member');
const roleInfo = (role: Role) => ({ roleId: ROLE_IDS[role], name: role, description: ROLE_DESCRIPTIONS[role] });

export async function listOrgMembers(deps: InvitesDeps, actor: OrgActor, q: { page: number; per_page: number; email?: string }) {
  return orgTransaction(deps.db, actor, async (tx) => {
    const email = q.email?.trim().toLowerCase() || undefined;
    const { rows, total } = await listMembers(tx, actor.orgId, { offset: q.page * q.per_page, limit: q.per_page, email });
    return ok({ members: rows.map(presentMember), ...pageEnvelope(q, rows.length, total) });
  });
}

export async function getMemberRole(deps: InvitesDeps, actor: OrgActor, input: { accountId: string }) {
  return orgTransaction(deps.db, actor, async (tx) => {
    const m = await findMembership(tx, actor.orgId, input.accountId);
    return m ? ok(roleInfo(m.role)) : memberNotFound();
  });
}

/** Roles below owner only; ownership moves with transferOwnership, so an org always keeps one owner. */
export async function setMemberRole(deps: InvitesDeps, actor: OrgActor, input: { accountId: string; roleId: string }) {
  const role = roleFromId(input.roleId);
  if (!role) return fail('VALIDATION_ERROR', `Unknown role ${input.roleId}`);
  return orgTransaction(deps.db, actor, async (tx) => {
    // locked: an ownership transfer to this member in parallel must not be overwritten
    const target = await lockMembership(tx, actor.orgId, input.accountId);
    if (!target) return memberNotFound();
    if (target.role === 'owner') return fail('FORBIDDEN', 'The owner’s role cannot be changed; transfer ownership instead');
    if (role === 'owner') return fail('FORBIDDEN', 'Use the ownership transfer to make someone the owner');
    if (target.role !== role) {
      await updateMemberRole(tx, actor.orgId, input.accountId, role);
      await recordOrgEvent(tx, {
        orgId: actor.orgId,
        actorId: actor.accountId,
        type: 'member.role_changed',
        subject: input.accountId,
        ip: actor.meta.ip,
        details: { from: target.role, to: role },
      });
    }
    return ok(roleInfo(role));
  }, { exclusive: true });
}

/** Removing a member deletes their wrapped keys in the same transaction: access ends at once. */
export async function removeMember(deps: InvitesDeps, actor: OrgActor, input: { accountId: string }): Promise<Result<{ ok: true }>> {
  return orgTransaction(deps.db, actor, async (tx) => {
    const target = await lockMembership(tx, actor.orgId, input.accountId);
    if (!target) return memberNotFound();
    if (target.role === 'owner') return fail('FORBIDDEN', 'The owner cannot be removed');
    // the event first: an admin removing themselves is no longer a member once the row is gone, and RLS
    // then refuses their event (as for leaving)
    await recordOrgEvent(tx, { orgId: actor.orgId, actorId: actor.accountId, type: 'member.removed', subject: input.accountId, ip: actor.meta.ip });
    await deleteMembership(tx, actor.orgId, input.accountId);
    return ok({ ok: true as const });
  }, { exclusive: true });
}

export async function leaveOrganization(deps: InvitesDeps, caller: OrgActor): Promise<Result<{ ok: true }>> {
  return orgTransaction(deps.db, caller, async (tx, actor) => {
    const org = await findOrganization(tx, actor.orgId);
    if (!org) return fail('NOT_FOUND', 'No such organization');
    if (org.type === 'personal' || actor.role === 'owner') return fail('FORBIDDEN', 'The owner cannot leave; transfer ownership first');
    await recordOrgEvent(tx, { orgId: actor.orgId, actorId: actor.accountId, type: 'member.left', subject: actor.accountId, ip: actor.meta.ip });
    await deleteMembership(tx, actor.orgId, actor.accountId);
    return ok({ ok: true as const });
  }, { exclusive: true });
}

/** The new owner must already be a member; the previous owner stays on as an admin. */
export async function transferOwnership(deps: InvitesDeps, actor: OrgActor, input: { accountId: string }): Promise<Result<{ ownerAccountId: string }>> {
  return orgTransaction(deps.db, actor, async (tx) => {
    const { orgId } = actor;
    // serialise transfers on the org row, then re-check that the caller is still the owner
    const org = await lockOrganization(tx, orgId);
    if (!org) return fail('NOT_FOUND', 'No such organization');
    if (org.type === 'personal') return fail('FORBIDDEN', 'A personal organization cannot change owner');
    const caller = await lockMembership(tx, orgId, actor.accountId);
    if (caller?.role !== 'owner' || org.owner_account_id !== actor.accountId) return fail('FORBIDDEN', 'Only the owner can transfer ownership');
    const target = await lockMembership(tx, orgId, input.accountId);
    if (!target) return memberNotFound();
    if (target.account_id === actor.accountId) return ok({ ownerAccountId: actor.accountId });
    // this order is what the database guards allow: hand over the org, promote, then step down
    await setOrganizationOwner(tx, orgId, input.accountId);
    await updateMemberRole(tx, orgId, input.accountId, 'owner');
    await updateMemberRole(tx, orgId, actor.accountId, 'admin');
    await recordOrgEvent(tx, { orgId, actorId: actor.accountId, type: 'owner.transferred', subject: input.accountId, ip: actor.meta.ip });
    return ok({ ownerAccountId: input.accountId });
  }, { exclusive: true });
}
