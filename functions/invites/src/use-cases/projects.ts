import {
  defaultTeamProjectId,
  findMembership,
  findProject,
  findTeamProject,
  insertProjectIfAbsent,
  insertProjectKeys,
  listProjects,
  type ProjectRow,
  type SessionRow,
} from '@somnus/db';
import type { CreateProjectBody } from '@somnus/models';
import { HttpError } from '@somnus/runtime';
import { inOrg } from '../org-access';

/**
 * VCS projects over REST: a documented Somnus extension that mirrors GraphQL `projectCreate`
 * (wire-protocol §5) until the sync function serves GraphQL. Any member may create one.
 */

const invalid = (message: string) => new HttpError('VALIDATION_ERROR', message);
const taken = () => new HttpError('PROJECT_EXISTS', 'A project with this id already exists; choose a new id');
const present = (p: ProjectRow) => ({ id: p.id, name: p.name, rootDocumentId: p.root_document_id });

/**
 * Creates the project with its key wrapped for the listed members (the caller included) in one
 * transaction. Retry-safe: the same id by the same caller in the same org returns the stored project
 * and changes nothing; the id anywhere else is a 409 that does not say where.
 */
export async function createProject(session: SessionRow, orgId: string, body: CreateProjectBody) {
  return inOrg(session, orgId, 'read:organization', async ({ tx, account }) => {
    const accountIds = body.keys.map((k) => k.accountId);
    if (new Set(accountIds).size !== accountIds.length) throw invalid('keys lists an account more than once');
    if (!accountIds.includes(account.id)) throw invalid('keys must include your own wrapped copy of the project key');
    for (const id of accountIds) {
      if (!(await findMembership(tx, orgId, id))) throw invalid(`keys: ${id} is not a member of this organization`);
    }
    const teamProjectId = body.teamProjectId ?? defaultTeamProjectId(orgId);
    if (!(await findTeamProject(tx, orgId, teamProjectId))) throw invalid(`teamProjectId: ${teamProjectId} is not a team project of this organization`);

    const replay = async () => {
      const existing = await findProject(tx, orgId, body.id);
      if (existing && existing.created_by === account.id) return { created: false, project: present(existing) };
      throw taken();
    };
    if (await findProject(tx, orgId, body.id)) return replay();
    const inserted = await insertProjectIfAbsent(tx, {
      id: body.id,
      orgId,
      teamProjectId,
      name: body.name,
      rootDocumentId: body.rootDocumentId,
      createdBy: account.id,
    });
    if (!inserted) return replay();
    await insertProjectKeys(tx, orgId, body.keys.map((k) => ({ projectId: body.id, ...k })));
    return { created: true, project: { id: body.id, name: body.name, rootDocumentId: body.rootDocumentId } };
  });
}

export async function listOrgProjects(session: SessionRow, orgId: string) {
  return inOrg(session, orgId, 'read:organization', async ({ tx }) => ({
    data: (await listProjects(tx, orgId)).map((p) => ({ ...present(p), teamProjectId: p.team_project_id })),
  }));
}
