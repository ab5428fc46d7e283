import {
  defaultTeamProjectId,
  findMembership,
  findProject,
  findTeamProject,
  insertProjectIfAbsent,
  insertProjectKeys,
  listProjects,
  type ProjectRow,
} from '@somnus/db';
import type { CreateProjectBody, ProjectResponse } from '@somnus/models';
import { fail, ok, orgTransaction, type OrgActor, type Result } from '@somnus/runtime';
import type { InvitesDeps } from '../deps';

/**
 * VCS projects over REST: a documented Somnus extension that mirrors GraphQL `projectCreate`
 * (docs/protocol.md §5) until the sync function serves GraphQL. Any member may create one.
 */

const invalid = (message: string) => fail<never>('VALIDATION_ERROR', message);
const taken = () => fail<never>('PROJECT_EXISTS', 'A project with this id already exists; choose a new id');
const present = (p: ProjectRow): ProjectResponse => ({ id: p.id, name: p.name, rootDocumentId: p.root_document_id });

/**
 * Creates the project with its key wrapped for the listed members (the caller included) in one
 * transaction. Retry-safe: the same id by the same caller in the same org returns the stored project
 * and changes nothing; the id anywhere else is a 409 that does not say where.
 */
export async function createProject(
  deps: InvitesDeps,
  actor: OrgActor,
  body: CreateProjectBody,
): Promise<Result<{ created: boolean; project: ProjectResponse }>> {
  const { orgId } = actor;
  return orgTransaction(deps.db, actor, async (tx) => {
    const accountIds = body.keys.map((k) => k.accountId);
    if (new Set(accountIds).size !== accountIds.length) return invalid('keys lists an account more than once');
    if (!accountIds.includes(actor.accountId)) return invalid('keys must include your own wrapped copy of the project key');
    for (const id of accountIds) {
      if (!(await findMembership(tx, orgId, id))) return invalid(`keys: ${id} is not a member of this organization`);
    }
    const teamProjectId = body.teamProjectId ?? defaultTeamProjectId(orgId);
    if (!(await findTeamProject(tx, orgId, teamProjectId))) return invalid(`teamProjectId: ${teamProjectId} is not a team project of this organization`);

    const replay = async () => {
      const existing = await findProject(tx, orgId, body.id);
      return existing && existing.created_by === actor.accountId ? ok({ created: false, project: present(existing) }) : taken();
    };
    if (await findProject(tx, orgId, body.id)) return replay();
    const inserted = await insertProjectIfAbsent(tx, {
      id: body.id,
      orgId,
      teamProjectId,
      name: body.name,
      rootDocumentId: body.rootDocumentId,
      createdBy: actor.accountId,
    });
    if (!inserted) return replay();
    await insertProjectKeys(tx, orgId, body.keys.map((k) => ({ projectId: body.id, ...k })));
    return ok({ created: true, project: { id: body.id, name: body.name, rootDocumentId: body.rootDocumentId } });
  });
}

export async function listOrgProjects(deps: InvitesDeps, actor: OrgActor) {
  return orgTransaction(deps.db, actor, async (tx) =>
    ok({ data: (await listProjects(tx, actor.orgId)).map((p) => ({ ...present(p), teamProjectId: p.team_project_id })) }),
  );
}
