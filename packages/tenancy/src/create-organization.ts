import crypto from 'node:crypto';
import {
  defaultTeamProjectId,
  insertMembership,
  insertOrganization,
  insertTeamProject,
  recordOrgEvent,
  setTenantOrg,
  type OrgType,
  type Queryable,
} from '@somnus/db';

/**
 * The rows every new organization starts with: the org, its owner's membership and its default team
 * project. Shared by two functions — signup (the personal org, in the signup transaction) and "create
 * organization" — so it lives in a package rather than in either. Runs inside the caller's transaction,
 * whose tenant context must be the owner; it adds the new org to that context.
 */
export async function createOrganizationWithOwner(
  tx: Queryable,
  o: { name: string; type: OrgType; ownerAccountId: string; seatLimit: number | null; ip?: string | null },
): Promise<string> {
  const orgId = `org_${crypto.randomBytes(16).toString('hex')}`;
  await insertOrganization(tx, { id: orgId, name: o.name, type: o.type, ownerAccountId: o.ownerAccountId, seatLimit: o.seatLimit });
  await insertMembership(tx, { orgId, accountId: o.ownerAccountId, role: 'owner' });
  // the owner is a member now; RLS lets the org's own rows in once the context names it
  await setTenantOrg(tx, orgId);
  await insertTeamProject(tx, { id: defaultTeamProjectId(orgId), orgId, name: o.type === 'personal' ? 'Personal Workspace' : 'Default Project', isDefault: true });
  await recordOrgEvent(tx, { orgId, actorId: o.ownerAccountId, type: 'org.created', ip: o.ip ?? null, details: { type: o.type } });
  return orgId;
}
