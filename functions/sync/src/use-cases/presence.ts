import type { z } from 'zod';
import type { collaboratorsResponse } from '@somnus/models';
import { markPresent, othersPresent, pruneOwnPresence } from '@somnus/db';
import { ok, orgTransaction, tenantOf, transaction, type OrgActor, type Result, type SessionActor } from '@somnus/runtime';
import type { SyncDeps } from '../deps';
import { keyedProjects } from './projects';

/** A heartbeat older than this is someone who left. */
export const PRESENCE_WINDOW_MS = 5 * 60 * 1000;
/** Files one member is shown present on at once (windows of the app); older heartbeats are forgotten. */
export const MAX_OPEN_FILES = 10;

/** GET /v1/user/files: every project the caller holds a key for, in every org they belong to. */
export async function userFiles(deps: SyncDeps, actor: SessionActor) {
  return transaction(
    deps.db,
    async (tx) =>
      ok(
        ((await keyedProjects(tx, actor.accountId)) ?? []).map(({ org, project: p }) => ({
          id: p.id,
          name: p.name,
          projectId: p.id,
          teamProjectId: p.team_project_id,
          organizationId: org.id,
        })),
      ),
    tenantOf(actor),
  );
}

/** POST …/collaborators: the caller is present on `file` in team project `project`; who else is there. */
export async function collaborators(deps: SyncDeps, actor: OrgActor, input: { project: string; file: string }): Promise<Result<z.infer<typeof collaboratorsResponse>>> {
  return orgTransaction(deps.db, actor, async (tx) => {
    await markPresent(tx, { orgId: actor.orgId, accountId: actor.accountId, teamProjectId: input.project, fileId: input.file });
    await pruneOwnPresence(tx, { orgId: actor.orgId, accountId: actor.accountId, keep: MAX_OPEN_FILES });
    const since = new Date(deps.clock.now().getTime() - PRESENCE_WINDOW_MS);
    const others = await othersPresent(tx, { orgId: actor.orgId, accountId: actor.accountId, teamProjectId: input.project, since });
    return ok({
      data: others.map((o) => ({
        acct: o.account_id,
        avatar: '',
        branch: '',
        file: o.file_id,
        firstName: o.first_name,
        lastName: o.last_name,
        project: o.team_project_id,
        team: actor.orgId,
      })),
    });
  });
}
