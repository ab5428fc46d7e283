import {
  archiveProject,
  defaultTeamProjectId,
  findOrganization,
  findMembership,
  findTeamProject,
  insertProjectIfAbsent,
  insertProjectKeys,
  listKeyedProjects,
  listMemberPublicKeys,
  listOrgsOfAccount,
  listKeysOf,
  lockOrgShared,
  projectIdTaken,
  recordOrgEvent,
  setTenantContext,
  setTenantOrg,
  type ProjectRow,
} from '@somnus/db';
import type { PoolClient } from 'pg';
import { fail, ok, tenantOf, transaction, type Result, type SessionActor } from '@somnus/runtime';
import type { SyncDeps } from '../deps';
import { inProject, mayRemove, noAccess, notAllowed } from '../project-access';

const PROJECT_ID = /^prj_[0-9a-f]{32}$/;
const WRAPPED_KEY = /^[0-9a-f]{512}$/;
const noOrg = () => fail<never>('NOT_FOUND', 'no such team');

export interface ProjectOut {
  id: string;
  name: string;
  rootDocumentId: string;
  teams: { id: string; name: string }[];
}

/**
 * The projects the account holds a key for, not archived, in its orgs (or one of them), each with its org.
 * RLS shows an org's projects only with that org in the context, so each org is visited in turn. Shared by
 * `projects` and the REST file list of the sync screens.
 */
export async function keyedProjects(
  tx: PoolClient,
  accountId: string,
  filter: { orgId?: string | null; teamProjectId?: string | null } = {},
): Promise<{ org: { id: string; name: string }; project: ProjectRow }[] | null> {
  const orgs = (await listOrgsOfAccount(tx, accountId)).filter((o) => !filter.orgId || o.id === filter.orgId);
  if (filter.orgId && orgs.length === 0) return null;
  const out: { org: { id: string; name: string }; project: ProjectRow }[] = [];
  for (const org of orgs) {
    await setTenantOrg(tx, org.id);
    for (const project of await listKeyedProjects(tx, org.id, accountId, filter.teamProjectId ?? undefined)) out.push({ org, project });
  }
  return out;
}

/** `projects(teamId, teamProjectId)`: the caller's keyed projects of one org, or of every org they belong to. */
export async function listProjects(deps: SyncDeps, actor: SessionActor, input: { teamId?: string | null; teamProjectId?: string | null }): Promise<Result<ProjectOut[]>> {
  return transaction(
    deps.db,
    async (tx) => {
      const found = await keyedProjects(tx, actor.accountId, { orgId: input.teamId, teamProjectId: input.teamProjectId });
      if (!found) return noOrg();
      return ok(found.map(({ org, project: p }) => ({ id: p.id, name: p.name, rootDocumentId: p.root_document_id, teams: [{ id: org.id, name: org.name }] })));
    },
    tenantOf(actor),
  );
}

/** `project(id)`: null unless the caller may see it (the client then offers to create it, which is refused). */
export async function getProject(deps: SyncDeps, actor: SessionActor, input: { id: string }): Promise<Result<ProjectOut | null>> {
  const found = await inProject(deps, actor, input.id, async ({ tx, project: row, orgId }) => {
    const project = await row();
    if (!project || project.archived_at) return ok(null);
    const org = await findOrganization(tx, orgId);
    return ok({ id: project.id, name: project.name, rootDocumentId: project.root_document_id, teams: org ? [{ id: org.id, name: org.name }] : [] });
  }, { read: true });
  return found.ok ? found : found.error === 'NOT_FOUND' ? ok(null) : found;
}

/** `projectKey(projectId)`: the caller's own wrapped copy of the project key. */
export async function projectKey(deps: SyncDeps, actor: SessionActor, input: { projectId: string }): Promise<Result<{ encSymmetricKey: string }>> {
  return inProject(deps, actor, input.projectId, async ({ tx, orgId }) => {
    const mine = (await listKeysOf(tx, orgId, actor.accountId)).find((k) => k.project_id === input.projectId);
    return mine ? ok({ encSymmetricKey: mine.enc_symmetric_key }) : noAccess();
  }, { read: true });
}

/** `teamMemberKeys(teamId)`: every member's public key, the caller's included, to wrap a new project key for. */
export async function teamMemberKeys(deps: SyncDeps, actor: SessionActor, input: { teamId: string }) {
  return transaction(
    deps.db,
    async (tx) => {
      if (!(await findMembership(tx, input.teamId, actor.accountId))) return noOrg();
      const keys = await listMemberPublicKeys(tx, input.teamId, actor.accountId);
      return ok({ memberKeys: keys.map((k) => ({ accountId: k.account_id, publicKey: k.public_key, autoLinked: false })) });
    },
    { ...tenantOf(actor), orgId: input.teamId },
  );
}

/** `teams`: the caller's organizations (2022.x clients call them teams). */
export async function listTeams(deps: SyncDeps, actor: SessionActor) {
  return transaction(deps.db, async (tx) => ok((await listOrgsOfAccount(tx, actor.accountId)).map((o) => ({ id: o.id, name: o.name }))), tenantOf(actor));
}

export interface ProjectCreateInput {
  id: string;
  name: string;
  rootDocumentId: string;
  teamId?: string | null;
  teamProjectId?: string | null;
  teamKeys?: { accountId: string; encSymmetricKey: string; autoLinked?: boolean | null }[] | null;
  /** 2022.x clients, personal project: the key wrapped for the caller alone */
  encSymmetricKey?: string | null;
}

/**
 * `projectCreate`: the project with its key wrapped for every current member of the org (the caller
 * included), in one transaction. Without `teamId`, the caller's personal org. A taken id is refused with
 * the same answer whether or not the caller can see the project.
 */
export async function createProject(deps: SyncDeps, actor: SessionActor, input: ProjectCreateInput): Promise<Result<ProjectOut>> {
  if (!PROJECT_ID.test(input.id)) return fail('VALIDATION_ERROR', 'id must be prj_ followed by 32 lowercase hex');
  const name = input.name.trim();
  if (!name || name.length > 200) return fail('VALIDATION_ERROR', 'name must be 1 to 200 characters');
  if (input.rootDocumentId.length > 100) return fail('VALIDATION_ERROR', 'rootDocumentId is too long');
  return transaction(
    deps.db,
    async (tx) => {
      const orgs = await listOrgsOfAccount(tx, actor.accountId);
      const org = input.teamId ? orgs.find((o) => o.id === input.teamId) : orgs.find((o) => o.type === 'personal');
      if (!org) return noOrg();
      await lockOrgShared(tx, org.id);
      await setTenantContext(tx, { ...tenantOf(actor), orgId: org.id });
      if (org.storage_rule === 'local_only') return fail('FORBIDDEN', 'this organization keeps its projects local only (storage rule local_only)');
      if (await projectIdTaken(tx, input.id)) return fail('PROJECT_EXISTS', 'a project with this id already exists; choose a new id');

      const keys = input.teamKeys?.length ? input.teamKeys : input.encSymmetricKey ? [{ accountId: actor.accountId, encSymmetricKey: input.encSymmetricKey }] : [];
      const members = new Set((await listMemberPublicKeys(tx, org.id, actor.accountId)).map((m) => m.account_id));
      const keyed = new Set(keys.map((k) => k.accountId));
      if (keyed.size !== keys.length) return fail('VALIDATION_ERROR', 'teamKeys lists an account more than once');
      const missing = [...members].filter((m) => !keyed.has(m));
      const strangers = [...keyed].filter((k) => !members.has(k));
      if (missing.length || strangers.length) {
        return fail('VALIDATION_ERROR', `teamKeys must hold one key for every member of the team: ${missing.length} missing, ${strangers.length} not members`);
      }
      if (keys.some((k) => !WRAPPED_KEY.test(k.encSymmetricKey))) return fail('VALIDATION_ERROR', 'every encSymmetricKey must be 512 lowercase hex');

      const teamProjectId = input.teamProjectId ?? defaultTeamProjectId(org.id);
      if (!(await findTeamProject(tx, org.id, teamProjectId))) return fail('VALIDATION_ERROR', `teamProjectId ${teamProjectId} is not a team project of this team`);
      const inserted = await insertProjectIfAbsent(tx, { id: input.id, orgId: org.id, teamProjectId, name, rootDocumentId: input.rootDocumentId, createdBy: actor.accountId });
      if (!inserted) return fail('PROJECT_EXISTS', 'a project with this id already exists; choose a new id');
      await insertProjectKeys(tx, org.id, keys.map((k) => ({ projectId: input.id, accountId: k.accountId, encSymmetricKey: k.encSymmetricKey, autoLinked: k.autoLinked ?? false })));
      await recordOrgEvent(tx, { orgId: org.id, actorId: actor.accountId, type: 'project.created', subject: input.id, ip: actor.meta.ip, details: { keys: keys.length } });
      return ok({ id: input.id, name, rootDocumentId: input.rootDocumentId, teams: [{ id: org.id, name: org.name }] });
    },
    tenantOf(actor),
  );
}

/** `projectArchive(id)`: hidden from lists, no more writes; its history stays. */
export async function archive(deps: SyncDeps, actor: SessionActor, input: { id: string }): Promise<Result<boolean>> {
  return inProject(deps, actor, input.id, async ({ tx, orgId, project }) => {
    if (!(await mayRemove(tx, actor, await project(), orgId))) return notAllowed();
    await archiveProject(tx, input.id);
    await recordOrgEvent(tx, { orgId, actorId: actor.accountId, type: 'project.archived', subject: input.id, ip: actor.meta.ip });
    return ok(true);
  });
}
