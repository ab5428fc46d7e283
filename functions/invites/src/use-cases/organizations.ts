import { createOrganizationWithOwner, deleteOrganization, findOrganization, listOrganizationsOf, recordOrgEvent, renameOrganization, type SessionRow } from '@somnus/db';
import type { Organization, OrganizationList, PageQuery } from '@somnus/models';
import { HttpError } from '@somnus/runtime';
import { asAccount, inOrg, orgNotFound } from '../org-access';
import { pageEnvelope, presentOrganization } from '../present';

/** GET /v1/organizations — the caller's orgs, personal first (clients require it to exist). */
export async function listMyOrganizations(session: SessionRow, q: PageQuery): Promise<OrganizationList> {
  return asAccount(session, async (tx, account) => {
    const { rows, total } = await listOrganizationsOf(tx, account.id, { offset: q.page * q.per_page, limit: q.per_page });
    return { organizations: rows.map(presentOrganization), ...pageEnvelope(q, rows.length, total) };
  });
}

export async function getOrganization(session: SessionRow, orgId: string): Promise<Organization> {
  return inOrg(session, orgId, 'read:organization', async ({ tx }) => {
    const org = await findOrganization(tx, orgId);
    if (!org) throw orgNotFound();
    return presentOrganization(org);
  });
}

/** POST /v1/organizations — a team org; the caller becomes its owner. */
export async function createTeamOrganization(session: SessionRow, name: string, seatLimit: number | null, ip: string | null): Promise<Organization> {
  return asAccount(session, async (tx, account) => {
    const orgId = await createOrganizationWithOwner(tx, { name, type: 'team', ownerAccountId: account.id, seatLimit, ip });
    const org = await findOrganization(tx, orgId);
    return presentOrganization(org!);
  });
}

export async function renameOrg(session: SessionRow, orgId: string, name: string, ip: string | null): Promise<Organization> {
  return inOrg(session, orgId, 'update:organization', async ({ tx, account }) => {
    await renameOrganization(tx, orgId, name);
    await recordOrgEvent(tx, { orgId, actorId: account.id, type: 'org.renamed', ip, details: { name } });
    return presentOrganization((await findOrganization(tx, orgId))!);
  });
}

/** Owner only; never the personal org. Projects, keys, invites and members go in the same transaction. */
export async function deleteOrg(session: SessionRow, orgId: string): Promise<void> {
  await inOrg(session, orgId, 'delete:organization', async ({ tx }) => {
    const org = await findOrganization(tx, orgId);
    if (!org) throw orgNotFound();
    if (org.type === 'personal') throw new HttpError('FORBIDDEN', 'A personal organization cannot be deleted');
    await deleteOrganization(tx, orgId);
  });
}
