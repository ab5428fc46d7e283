import crypto from 'node:crypto';
import { deleteTeamProject, findTeamProject, insertTeamProject, listTeamProjects, recordOrgEvent, renameTeamProject, type SessionRow } from '@somnus/db';
import { HttpError } from '@somnus/runtime';
import { inOrg } from '../org-access';

const notFound = () => new HttpError('NOT_FOUND', 'No such team project');

export async function listOrgTeamProjects(session: SessionRow, orgId: string) {
  return inOrg(session, orgId, 'read:team_project', async ({ tx }) => ({
    data: (await listTeamProjects(tx, orgId)).map((p) => ({ id: p.id, name: p.name })),
  }));
}

export async function createOrgTeamProject(session: SessionRow, orgId: string, name: string, ip: string | null) {
  return inOrg(session, orgId, 'create:team_project', async ({ tx, account }) => {
    const id = `proj_${crypto.randomBytes(16).toString('hex')}`;
    await insertTeamProject(tx, { id, orgId, name, isDefault: false });
    await recordOrgEvent(tx, { orgId, actorId: account.id, type: 'team_project.created', subject: id, ip, details: { name } });
    return { id, name };
  });
}

export async function renameOrgTeamProject(session: SessionRow, orgId: string, projectId: string, name: string, ip: string | null) {
  return inOrg(session, orgId, 'update:team_project', async ({ tx, account }) => {
    if (!(await findTeamProject(tx, orgId, projectId))) throw notFound();
    await renameTeamProject(tx, orgId, projectId, name);
    await recordOrgEvent(tx, { orgId, actorId: account.id, type: 'team_project.renamed', subject: projectId, ip, details: { name } });
    return { id: projectId, name };
  });
}

/** The default team project stays: clients treat `proj_<orgId>` as always present. */
export async function deleteOrgTeamProject(session: SessionRow, orgId: string, projectId: string, ip: string | null) {
  await inOrg(session, orgId, 'delete:team_project', async ({ tx, account }) => {
    const p = await findTeamProject(tx, orgId, projectId);
    if (!p) throw notFound();
    if (p.is_default) throw new HttpError('FORBIDDEN', 'The default team project cannot be deleted');
    await deleteTeamProject(tx, orgId, projectId);
    await recordOrgEvent(tx, { orgId, actorId: account.id, type: 'team_project.deleted', subject: projectId, ip });
  });
}
