import crypto from 'node:crypto';
import { deleteTeamProject, findTeamProject, insertTeamProject, listTeamProjects, recordOrgEvent, renameTeamProject } from '@somnus/db';
import { fail, ok, orgTransaction, type OrgActor, type Result } from '@somnus/runtime';
import type { InvitesDeps } from '../deps';

const notFound = () => fail<never>('NOT_FOUND', 'No such team project');
type TeamProject = { id: string; name: string };

export async function listOrgTeamProjects(deps: InvitesDeps, actor: OrgActor): Promise<Result<{ data: TeamProject[] }>> {
  return orgTransaction(deps.db, actor, async (tx) =>
    ok({ data: (await listTeamProjects(tx, actor.orgId)).map((p) => ({ id: p.id, name: p.name })) }),
  );
}

export async function createOrgTeamProject(deps: InvitesDeps, actor: OrgActor, input: { name: string }): Promise<Result<TeamProject>> {
  return orgTransaction(deps.db, actor, async (tx) => {
    const id = `proj_${crypto.randomBytes(16).toString('hex')}`;
    await insertTeamProject(tx, { id, orgId: actor.orgId, name: input.name, isDefault: false });
    await recordOrgEvent(tx, { orgId: actor.orgId, actorId: actor.accountId, type: 'team_project.created', subject: id, ip: actor.meta.ip, details: { name: input.name } });
    return ok({ id, name: input.name });
  });
}

export async function renameOrgTeamProject(deps: InvitesDeps, actor: OrgActor, input: { projectId: string; name: string }): Promise<Result<TeamProject>> {
  return orgTransaction(deps.db, actor, async (tx) => {
    if (!(await findTeamProject(tx, actor.orgId, input.projectId))) return notFound();
    await renameTeamProject(tx, actor.orgId, input.projectId, input.name);
    await recordOrgEvent(tx, {
      orgId: actor.orgId,
      actorId: actor.accountId,
      type: 'team_project.renamed',
      subject: input.projectId,
      ip: actor.meta.ip,
      details: { name: input.name },
    });
    return ok({ id: input.projectId, name: input.name });
  });
}

/** The default team project stays: clients treat `proj_<orgId>` as always present. */
export async function deleteOrgTeamProject(deps: InvitesDeps, actor: OrgActor, input: { projectId: string }): Promise<Result<{ ok: true }>> {
  return orgTransaction(deps.db, actor, async (tx) => {
    const p = await findTeamProject(tx, actor.orgId, input.projectId);
    if (!p) return notFound();
    if (p.is_default) return fail('FORBIDDEN', 'The default team project cannot be deleted');
    await deleteTeamProject(tx, actor.orgId, input.projectId);
    await recordOrgEvent(tx, { orgId: actor.orgId, actorId: actor.accountId, type: 'team_project.deleted', subject: input.projectId, ip: actor.meta.ip });
    return ok({ ok: true as const });
  });
}
