import crypto from 'node:crypto';
import type { Queryable } from './pool';
import { insertMembership } from './repositories/memberships';
import { recordOrgEvent } from './repositories/org-audit-events';
import { insertOrganization, type OrgType } from './repositories/organizations';
import { insertTeamProject } from './repositories/team-projects';

/** Insomnia treats `proj_<orgId>` as an org's default team project (wire-protocol §5, §6). */
export const defaultTeamProjectId = (orgId: string) => `proj_${orgId}`;

/**
 * The rows every new organization starts with: the org, its owner's membership and its default team
 * project. Shared by signup (the personal org, in the signup transaction) and "create organization".
 * Must run in a transaction whose tenant context is the owner.
 */
export async function createOrganizationWithOwner(
  tx: Queryable,
  o: { name: string; type: OrgType; ownerAccountId: string; seatLimit: number | null; ip?: string | null },
): Promise<string> {
  const orgId = `org_${crypto.randomBytes(16).toString('hex')}`;
  await insertOrganization(tx, { id: orgId, name: o.name, type: o.type, ownerAccountId: o.ownerAccountId, seatLimit: o.seatLimit });
  await insertMembership(tx, { orgId, accountId: o.ownerAccountId, role: 'owner' });
  await tx.query(`SELECT set_config('app.org_id', $1, true)`, [orgId]);
  await insertTeamProject(tx, { id: defaultTeamProjectId(orgId), orgId, name: o.type === 'personal' ? 'Personal Workspace' : 'Default Project', isDefault: true });
  await recordOrgEvent(tx, { orgId, actorId: o.ownerAccountId, type: 'org.created', ip: o.ip ?? null, details: { type: o.type } });
  return orgId;
}
