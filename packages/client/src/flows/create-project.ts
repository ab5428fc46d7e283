/**
 * Creating a VCS project (`prj_…`) in an org over GraphQL, as Insomnia does (docs/protocol.md §5):
 * `teamMemberKeys` lists every member's public key, the client picks the id and a fresh project key,
 * wraps the key for every member, and sends it all in one `projectCreate` — so nobody has to re-share
 * it afterwards. The caller's own copy is wrapped with the public key it unwrapped locally, not the one
 * the server lists for it.
 */
import type { AesJwk, RsaPublicJwk } from '@somnus/crypto';
import type { ProjectResponse } from '@somnus/models';
import { SomnusResponseError } from '../errors';
import type { HttpClient } from '../http';
import type { KeyGuard } from '../trust/guard';
import type { ProjectCreateKeyInput } from '../sync/queries';
import { SyncRemote } from '../sync/remote';
import { newProjectId, newProjectKey, wrapProjectKey } from './project-keys';

export interface CreateProjectInput {
  orgId: string;
  name: string;
  /** The caller's own public key, from unwrapKeys(). */
  publicJwk: RsaPublicJwk;
  /** Defaults to the org's default team project. */
  teamProjectId?: string;
  /** Insomnia's workspace id (`wrk_…`); opaque to the server. Defaults to empty. */
  rootDocumentId?: string;
  /** Defaults to a fresh `prj_` id. An id already taken (even by an earlier try of this call) is refused with PROJECT_EXISTS. */
  id?: string;
}

export interface CreateProjectResult {
  project: ProjectResponse;
  /** The new project key, unwrapped. Secret: it decrypts everything in the project. */
  projectKey: AesJwk;
  /** Accounts the key was wrapped for (the caller first). */
  sharedWith: string[];
}

/** The project key wrapped for every member `teamMemberKeys` (or `projectShareInstructions`) lists, the caller first and with its own public key. */
export function wrapForMembers(
  members: ReadonlyArray<{ accountId: string; publicKey: string }>,
  me: { accountId: string; publicJwk: RsaPublicJwk },
  projectKey: AesJwk,
  listedBy: 'teamMemberKeys' | 'projectShareInstructions' = 'teamMemberKeys',
): ProjectCreateKeyInput[] {
  if (!members.some((m) => m.accountId === me.accountId)) {
    throw new SomnusResponseError(200, `/graphql?${listedBy}`, `POST /graphql?${listedBy}: the member list does not include the caller`);
  }
  const keys: ProjectCreateKeyInput[] = [{ accountId: me.accountId, encSymmetricKey: wrapProjectKey(me.publicJwk, projectKey), autoLinked: false }];
  const done = new Set([me.accountId]);
  for (const m of members) {
    if (done.has(m.accountId)) continue; // one copy per member, however often the server lists them
    done.add(m.accountId);
    keys.push({ accountId: m.accountId, encSymmetricKey: wrapProjectKey(m.publicKey, projectKey), autoLinked: false });
  }
  return keys;
}

/** `teamMemberKeys` then `projectCreate`, for a caller whose account id is known (push uses this too). */
export async function createProjectAs(remote: SyncRemote, accountId: string, input: CreateProjectInput, guard: KeyGuard): Promise<CreateProjectResult> {
  const projectKey = newProjectKey();
  const id = input.id ?? newProjectId();
  const members = await remote.teamMemberKeys(input.orgId);
  // every other member's key is checked before the new key is wrapped for it (docs/key-authenticity.md §3)
  await guard.approve(input.orgId, members.filter((m) => m.accountId !== accountId), remote.memberEmails(input.orgId));
  const teamKeys = wrapForMembers(members, { accountId, publicJwk: input.publicJwk }, projectKey);
  const project = await remote.createProject({
    name: input.name,
    id,
    rootDocumentId: input.rootDocumentId ?? '',
    teamId: input.orgId,
    teamProjectId: input.teamProjectId,
    teamKeys,
  });
  if (project.id !== id) throw new SomnusResponseError(200, '/graphql?createProject', `POST /graphql?createProject: created ${project.id} instead of ${id}`);
  return { project, projectKey, sharedWith: teamKeys.map((k) => k.accountId) };
}

export async function createProject(http: HttpClient, sessionId: string, input: CreateProjectInput, guard: KeyGuard): Promise<CreateProjectResult> {
  const me = await http.call('GET /auth/whoami', { sessionId });
  return createProjectAs(new SyncRemote(http, sessionId), me.accountId, input, guard);
}
