import { countMembers, findOrganization, recordOrgEvent, setInviteDomains, setStorageRule, type SessionRow, type StorageRule } from '@somnus/db';
import { permissionsOf } from '@somnus/models';
import { inOrg, orgNotFound } from '../org-access';

/** Everything a self-hosted org has; nothing is gated behind a plan. */
export async function orgFeatures(session: SessionRow, orgId: string) {
  return inOrg(session, orgId, 'read:organization', async () => ({
    features: {
      gitSync: { enabled: true },
      orgBasicRbac: { enabled: true },
      cloudSync: { enabled: true },
      localVault: { enabled: true },
    },
  }));
}

export async function getStorageRule(session: SessionRow, orgId: string) {
  return inOrg(session, orgId, 'read:organization', async ({ tx }) => {
    const org = await findOrganization(tx, orgId);
    if (!org) throw orgNotFound();
    return { storage: org.storage_rule, isOverridden: false };
  });
}

export async function putStorageRule(session: SessionRow, orgId: string, storage: StorageRule, ip: string | null) {
  return inOrg(session, orgId, 'update:organization', async ({ tx, account }) => {
    const org = await findOrganization(tx, orgId);
    if (!org) throw orgNotFound();
    if (org.storage_rule !== storage) {
      await setStorageRule(tx, orgId, storage);
      await recordOrgEvent(tx, { orgId, actorId: account.id, type: 'storage_rule.changed', ip, details: { from: org.storage_rule, to: storage } });
    }
    return { storage, isOverridden: false };
  });
}

export async function getInvitePolicy(session: SessionRow, orgId: string) {
  return inOrg(session, orgId, 'read:organization', async ({ tx }) => {
    const org = await findOrganization(tx, orgId);
    if (!org) throw orgNotFound();
    return { allowedDomains: org.allowed_invite_domains };
  });
}

export async function putInvitePolicy(session: SessionRow, orgId: string, allowedDomains: string[], ip: string | null) {
  return inOrg(session, orgId, 'update:organization', async ({ tx, account }) => {
    const domains = [...new Set(allowedDomains)].sort();
    await setInviteDomains(tx, orgId, domains);
    await recordOrgEvent(tx, { orgId, actorId: account.id, type: 'invite_policy.changed', ip, details: { allowedDomains: domains } });
    return { allowedDomains: domains };
  });
}

/** Exactly the keys of wire-protocol §6, computed from the role table. */
export async function userPermissions(session: SessionRow, orgId: string) {
  return inOrg(session, orgId, 'read:organization', async ({ membership }) => permissionsOf(membership.role));
}

/**
 * Would inviting these emails fit the org's seats? Seats = members + pending invites. Emails already
 * counted (members, pending invites) take no new seat.
 */
export async function checkSeats(session: SessionRow, orgId: string, emails: string[]) {
  return inOrg(session, orgId, 'read:organization', async ({ tx }) => {
    const org = await findOrganization(tx, orgId);
    if (!org) throw orgNotFound();
    if (org.seat_limit === null) return { isAllowed: true };
    const { rows } = await tx.query<{ email: string }>(
      `SELECT a.email FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.org_id = $1
       UNION SELECT invitee_email FROM invites WHERE org_id = $1 AND status = 'pending' AND expires_at > now()`,
      [orgId],
    );
    const taken = new Set(rows.map((r) => r.email));
    const fresh = new Set(emails.filter((e) => !taken.has(e)));
    const used = Math.max(taken.size, await countMembers(tx, orgId));
    return { isAllowed: used + fresh.size <= org.seat_limit };
  });
}
