import {
  defaultTeamProjectId,
  deleteOtherProjectKeys,
  insertProjectKeys,
  listKeysOf,
  listMemberPublicKeys,
  listOrgsOfAccount,
  lockOrgShared,
  moveProject,
  recordOrgEvent,
  setTenantContext,
} from '@somnus/db';
import { fail, ok, tenantOf, type Result, type SessionActor } from '@somnus/runtime';
import type { SyncDeps } from '../deps';
import { inProject, noAccess } from '../project-access';

/**
 * The sharing trio of clients up to 2021 (docs/protocol.md §5a, §7.2): a personal project becomes a team's
 * by moving it into the team with the project key wrapped for every member — the seed's resource group
 * shared through per-member links — and comes back by moving it home and dropping the others' keys.
 */

const WRAPPED_KEY = /^[0-9a-f]{512}$/;
const noTeam = () => fail<never>('NOT_FOUND', 'no such team');

/** `projectShareInstructions(teamId, id)`: the caller's copy of the key and the team's public keys to wrap it for. */
export async function shareInstructions(deps: SyncDeps, actor: SessionActor, input: { teamId: string; id: string }) {
  return inProject(deps, actor, input.id, async ({ tx, orgId }) => {
    const team = (await listOrgsOfAccount(tx, actor.accountId)).find((o) => o.id === input.teamId);
    if (!team) return noTeam();
    const mine = (await listKeysOf(tx, orgId, actor.accountId)).find((k) => k.project_id === input.id);
    if (!mine) return noAccess();
    await setTenantContext(tx, { ...tenantOf(actor), orgId: team.id });
    const members = await listMemberPublicKeys(tx, team.id, actor.accountId);
    return ok({
      teamId: team.id,
      projectKey: { encSymmetricKey: mine.enc_symmetric_key },
      memberKeys: members.map((m) => ({ accountId: m.account_id, publicKey: m.public_key, autoLinked: false })),
    });
  }, { read: true });
}

/** `projectShare(teamId, id, keys)`: all or nothing — the move and a key for every member of the team. */
export async function share(deps: SyncDeps, actor: SessionActor, input: { teamId: string; id: string; keys: { accountId: string; encSymmetricKey: string }[] }): Promise<Result<{ id: string }>> {
  return inProject(
    deps,
    actor,
    input.id,
    async ({ tx, orgId, project }) => {
      const orgs = await listOrgsOfAccount(tx, actor.accountId);
      const from = orgs.find((o) => o.id === orgId);
      const team = orgs.find((o) => o.id === input.teamId);
      if (!team) return noTeam();
      // a retried share that already went through: the same answer, nothing changed
      if (orgId === team.id && (await project())?.shared_from_org === orgs.find((o) => o.type === 'personal')?.id) return ok({ id: input.id });
      if (from?.type !== 'personal') return fail('FORBIDDEN', 'only a personal project can be shared with a team');
      if (team.type !== 'team') return fail('FORBIDDEN', 'a project can only be shared with a team organization');
      if (team.storage_rule === 'local_only') return fail('FORBIDDEN', 'this team keeps its projects local only (storage rule local_only)');
      await lockOrgShared(tx, team.id);
      await setTenantContext(tx, { ...tenantOf(actor), orgId: team.id });
      const members = new Set((await listMemberPublicKeys(tx, team.id, actor.accountId)).map((m) => m.account_id));
      const others = input.keys.filter((k) => k.accountId !== actor.accountId);
      const given = new Set(input.keys.map((k) => k.accountId));
      if (given.size !== input.keys.length) return fail('VALIDATION_ERROR', 'keys lists an account more than once');
      if ([...members].some((m) => !given.has(m) && m !== actor.accountId) || [...given].some((a) => !members.has(a))) {
        return fail('VALIDATION_ERROR', 'keys must hold one key for every member of the team');
      }
      if (input.keys.some((k) => !WRAPPED_KEY.test(k.encSymmetricKey))) return fail('VALIDATION_ERROR', 'every encSymmetricKey must be 512 lowercase hex');
      if (!(await moveProject(tx, { projectId: input.id, fromOrgId: orgId, toOrgId: team.id, teamProjectId: defaultTeamProjectId(team.id) }))) return noAccess();
      await insertProjectKeys(tx, team.id, others.map((k) => ({ projectId: input.id, accountId: k.accountId, encSymmetricKey: k.encSymmetricKey, autoLinked: false })));
      await recordOrgEvent(tx, { orgId: team.id, actorId: actor.accountId, type: 'project.shared', subject: input.id, ip: actor.meta.ip, details: { keys: others.length } });
      return ok({ id: input.id });
    },
    // the personal org's exclusive lock: every push and read in flight there ends before the project leaves it
    { write: true, exclusive: true },
  );
}

/**
 * `projectUnShare(id)`: a project the caller shared from their personal org goes back there; every other
 * member's key, and the keys pending invitations hold for it, are dropped. A project made in the team, or
 * shared by someone else, stays with the team (archiving is how an owner or admin takes it out of use).
 * The team's exclusive lock orders it after every push and read in flight, and two of them one after the other.
 */
export async function unshare(deps: SyncDeps, actor: SessionActor, input: { id: string }): Promise<Result<{ id: string }>> {
  return inProject(
    deps,
    actor,
    input.id,
    async ({ tx, orgId, project }) => {
      const orgs = await listOrgsOfAccount(tx, actor.accountId);
      const personal = orgs.find((o) => o.type === 'personal');
      if (!personal) return noTeam();
      if (orgId === personal.id) return ok({ id: input.id });
      const row = await project();
      if (!row) return noAccess();
      if (row.shared_from_org !== personal.id) return fail('FORBIDDEN', 'only the account that shared this project from its personal organization can take it back');
      const dropped = await deleteOtherProjectKeys(tx, input.id, actor.accountId);
      await recordOrgEvent(tx, { orgId, actorId: actor.accountId, type: 'project.unshared', subject: input.id, ip: actor.meta.ip, details: { keysDropped: dropped } });
      if (!(await moveProject(tx, { projectId: input.id, fromOrgId: orgId, toOrgId: personal.id, teamProjectId: defaultTeamProjectId(personal.id) }))) return noAccess();
      return ok({ id: input.id });
    },
    { write: true, exclusive: true },
  );
}
