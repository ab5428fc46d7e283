/**
 * Creating a VCS project (`prj_…`) in an org: the client picks the id and a fresh project key and
 * wraps that key for every current member, so nobody has to re-share it afterwards. The caller's own
 * copy is wrapped with the public key it unwrapped locally (not one the server hands back); the other
 * members' public keys come from GET /v1/keys/accounts/{id}, which serves only co-members.
 */
import type { AesJwk, RsaPublicJwk } from '@somnus/crypto';
import type { ProjectResponse } from '@somnus/models';
import type { HttpClient } from '../http';
import { newProjectId, newProjectKey, wrapProjectKey } from './project-keys';

const MEMBERS_PER_PAGE = 100;

export interface CreateProjectInput {
  orgId: string;
  name: string;
  /** The caller's own public key, from unwrapKeys(). */
  publicJwk: RsaPublicJwk;
  /** Defaults to the org's default team project. */
  teamProjectId?: string;
  /** Insomnia's workspace id (`wrk_…`); opaque to the server. */
  rootDocumentId?: string;
  /** For retries: the same id again is idempotent on the server. Defaults to a fresh `prj_` id. */
  id?: string;
}

export interface CreateProjectResult {
  project: ProjectResponse;
  /** The new project key, unwrapped. Secret: it decrypts everything in the project. */
  projectKey: AesJwk;
  /** Accounts the key was wrapped for (the caller first). */
  sharedWith: string[];
}

/** Every member's account id, across pages. */
export async function allMemberIds(http: HttpClient, sessionId: string, orgId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let page = 0; ; page++) {
    const res = await http.call('GET /v1/organizations/:orgId/members', { params: { orgId }, query: { page, per_page: MEMBERS_PER_PAGE }, sessionId });
    ids.push(...res.members.map((m) => m.user_id));
    if (!res.next || res.members.length === 0) return ids;
  }
}

export async function createProject(http: HttpClient, sessionId: string, input: CreateProjectInput): Promise<CreateProjectResult> {
  const me = await http.call('GET /auth/whoami', { sessionId });
  const projectKey = newProjectKey();
  const keys = [{ accountId: me.accountId, encSymmetricKey: wrapProjectKey(input.publicJwk, projectKey) }];
  for (const accountId of await allMemberIds(http, sessionId, input.orgId)) {
    if (accountId === me.accountId) continue;
    const { publicKey } = await http.call('GET /v1/keys/accounts/:accountId', { params: { accountId }, sessionId });
    keys.push({ accountId, encSymmetricKey: wrapProjectKey(publicKey, projectKey) });
  }
  const body = {
    id: input.id ?? newProjectId(),
    name: input.name,
    ...(input.rootDocumentId !== undefined ? { rootDocumentId: input.rootDocumentId } : {}),
    ...(input.teamProjectId !== undefined ? { teamProjectId: input.teamProjectId } : {}),
    keys,
  };
  const project = await http.call('POST /v1/organizations/:orgId/projects', { params: { orgId: input.orgId }, body, sessionId });
  return { project, projectKey, sharedWith: keys.map((k) => k.accountId) };
}
