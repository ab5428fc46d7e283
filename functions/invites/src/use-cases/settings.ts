import { countMembers, findOrganization, recordOrgEvent, seatHolderEmails, setInviteDomains, setStorageRule, type StorageRule } from '@somnus/db';
import { permissionsOf } from '@somnus/models';
import { fail, ok, orgTransaction, type OrgActor, type Result } from '@somnus/runtime';
import type { InvitesDeps } from '../deps';

const orgNotFound = () => fail<never>('NOT_FOUND', 'No such organization');

/** Everything a self-hosted org has; nothing is gated behind a plan. */
export async function orgFeatures(_deps: InvitesDeps, _actor: OrgActor) {
  return ok({
    features: {
      gitSync: { enabled: true },
      orgBasicRbac: { enabled: true },
      cloudSync: { enabled: true },
      localVault: { enabled: true },
    },
  });
}

export async function getStorageRule(deps: InvitesDeps, actor: OrgActor): Promise<Result<{ storage: StorageRule; isOverridden: boolean }>> {
  return orgTransaction(deps.db, actor, async (tx) => {
    const org = await findOrganization(tx, actor.orgId);
    return org ? ok({ storage: org.storage_rule, isOverridden: false }) : orgNotFound();
  });
}

export async function putStorageRule(deps: InvitesDeps, actor: OrgActor, input: { storage: StorageRule }) {
  return orgTransaction(deps.db, actor, async (tx) => {
    const org = await findOrganization(tx, actor.orgId);
    if (!org) return orgNotFound();
    if (org.storage_rule !== input.storage) {
      await setStorageRule(tx, actor.orgId, input.storage);
      await recordOrgEvent(tx, {
        orgId: actor.orgId,
        actorId: actor.accountId,
        type: 'storage_rule.changed',
        ip: actor.meta.ip,
        details: { from: org.storage_rule, to: input.storage },
      });
    }
    return ok({ storage: input.storage, isOverridden: false });
  });
}

export async function getInvitePolicy(deps: InvitesDeps, actor: OrgActor): Promise<Result<{ allowedDomains: string[] }>> {
  return orgTransaction(deps.db, actor, async (tx) => {
    const org = await findOrganization(tx, actor.orgId);
    return org ? ok({ allowedDomains: org.allowed_invite_domains }) : orgNotFound();
  });
}

export async function putInvitePolicy(deps: InvitesDeps, actor: OrgActor, input: { allowedDomains: string[] }) {
  return orgTransaction(deps.db, actor, async (tx) => {
    const domains = [...new Set(input.allowedDomains)].sort();
    await setInviteDomains(tx, actor.orgId, domains);
    await recordOrgEvent(tx, { orgId: actor.orgId, actorId: actor.accountId, type: 'invite_policy.changed', ip: actor.meta.ip, details: { allowedDomains: domains } });
    return ok({ allowedDomains: domains });
  });
}

/** Exactly the keys of docs/protocol.md §6, computed from the role table. */
export async function userPermissions(_deps: InvitesDeps, actor: OrgActor) {
  return ok(permissionsOf(actor.role));
}

/**
 * Would inviting these emails fit the org's seats? Seats = members + pending invites. Emails already
 * counted (members, pending invites) take no new seat.
 */
export async function checkSeats(deps: InvitesDeps, actor: OrgActor, input: { emails: string[] }): Promise<Result<{ isAllowed: boolean }>> {
  return orgTransaction(deps.db, actor, async (tx) => {
    const org = await findOrganization(tx, actor.orgId);
    if (!org) return orgNotFound();
    if (org.seat_limit === null) return ok({ isAllowed: true });
    const taken = await seatHolderEmails(tx, actor.orgId);
    const fresh = new Set(input.emails.filter((e) => !taken.has(e)));
    const used = Math.max(taken.size, await countMembers(tx, actor.orgId));
    return ok({ isAllowed: used + fresh.size <= org.seat_limit });
  });
}
