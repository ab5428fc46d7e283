import { deleteOrganization, findOrganization, listOrganizationsOf, recordOrgEvent, renameOrganization } from '@somnus/db';
import { ROLE_DESCRIPTIONS, ROLE_IDS, ROLES, type Organization, type OrganizationList, type PageQuery } from '@somnus/models';
import { fail, ok, tenantOf, orgTransaction, tenantTransaction, type OrgActor, type Result, type SessionActor } from '@somnus/runtime';
import { createOrganizationWithOwner } from '@somnus/tenancy';
import type { InvitesDeps } from '../deps';
import { pageEnvelope, presentOrganization } from '../present';

const orgNotFound = () => fail<never>('NOT_FOUND', 'No such organization');

/** GET /v1/organizations — the caller's orgs, personal first (clients require it to exist). */
export async function listMyOrganizations(deps: InvitesDeps, actor: SessionActor, q: PageQuery): Promise<Result<OrganizationList>> {
  return tenantTransaction(deps.db, tenantOf(actor), async (tx) => {
    const { rows, total } = await listOrganizationsOf(tx, actor.accountId, { offset: q.page * q.per_page, limit: q.per_page });
    return ok({ organizations: rows.map(presentOrganization), ...pageEnvelope(q, rows.length, total) });
  });
}

export async function listRoles(_deps: InvitesDeps, _actor: SessionActor) {
  return ok(ROLES.map((name) => ({ id: ROLE_IDS[name], name, description: ROLE_DESCRIPTIONS[name] })));
}

export async function getOrganization(deps: InvitesDeps, actor: OrgActor): Promise<Result<Organization>> {
  return orgTransaction(deps.db, actor, async (tx) => {
    const org = await findOrganization(tx, actor.orgId);
    return org ? ok(presentOrganization(org)) : orgNotFound();
  });
}

/** POST /v1/organizations — a team org; the caller becomes its owner. */
export async function createTeamOrganization(deps: InvitesDeps, actor: SessionActor, input: { name: string }): Promise<Result<Organization>> {
  return tenantTransaction(deps.db, tenantOf(actor), async (tx) => {
    const orgId = await createOrganizationWithOwner(tx, {
      name: input.name,
      type: 'team',
      ownerAccountId: actor.accountId,
      seatLimit: deps.config.orgSeatLimit,
      ip: actor.meta.ip,
    });
    return ok(presentOrganization((await findOrganization(tx, orgId))!));
  });
}

export async function renameOrg(deps: InvitesDeps, actor: OrgActor, input: { name: string }): Promise<Result<Organization>> {
  return orgTransaction(deps.db, actor, async (tx) => {
    await renameOrganization(tx, actor.orgId, input.name);
    await recordOrgEvent(tx, { orgId: actor.orgId, actorId: actor.accountId, type: 'org.renamed', ip: actor.meta.ip, details: { name: input.name } });
    return ok(presentOrganization((await findOrganization(tx, actor.orgId))!));
  });
}

/** Owner only; never the personal org. Projects, keys, invites and members go in the same transaction. */
export async function deleteOrg(deps: InvitesDeps, actor: OrgActor): Promise<Result<{ ok: true }>> {
  return orgTransaction(deps.db, actor, async (tx) => {
    const org = await findOrganization(tx, actor.orgId);
    if (!org) return orgNotFound();
    if (org.type === 'personal') return fail('FORBIDDEN', 'A personal organization cannot be deleted');
    await deleteOrganization(tx, actor.orgId);
    return ok({ ok: true as const });
  }, { exclusive: true });
}
