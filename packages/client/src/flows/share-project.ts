/**
 * Sharing a personal project with a team org, and taking it back, as 2021/2022 Insomnia clients do
 * (docs/protocol.md §5a, §7.2): `projectShareInstructions` hands over the caller's wrapped copy of the
 * key and every team member's public key; the key is opened and re-wrapped here, and `projectShare`
 * moves the project with a copy for each member (the server refuses it unless every member has one).
 * The server never sees the key itself.
 */
import { CryptoError, type AesJwk, type RsaPrivateJwk, type RsaPublicJwk } from '@somnus/crypto';
import { ProjectKeyUnwrapError, SomnusResponseError } from '../errors';
import type { SyncRemote } from '../sync/remote';
import type { KeyGuard } from '../trust/guard';
import { wrapForMembers } from './create-project';
import { unwrapProjectKey } from './project-keys';

export interface ShareProjectInput {
  projectId: string;
  /** The team org it moves into. */
  orgId: string;
  /** The caller's own key pair, from unwrapKeys(). */
  privateJwk: RsaPrivateJwk;
  publicJwk: RsaPublicJwk;
}

export interface ShareProjectResult {
  projectId: string;
  orgId: string;
  /** Accounts the key was wrapped for (the caller first). */
  sharedWith: string[];
}

function openKey(projectId: string, privateJwk: RsaPrivateJwk, encKey: string): AesJwk {
  try {
    return unwrapProjectKey(privateJwk, encKey);
  } catch (cause) {
    if (cause instanceof CryptoError) throw new ProjectKeyUnwrapError(projectId, { cause });
    throw cause;
  }
}

/** `projectShareInstructions` then `projectShare`, for a caller whose account id is known. */
export async function shareProject(remote: SyncRemote, accountId: string, input: ShareProjectInput, guard: KeyGuard): Promise<ShareProjectResult> {
  const how = await remote.shareInstructions(input.orgId, input.projectId);
  if (how.teamId !== input.orgId) {
    throw new SomnusResponseError(200, '/graphql?projectShareInstructions', `POST /graphql?projectShareInstructions: instructions for ${how.teamId} instead of ${input.orgId}`);
  }
  // every member's key is checked before the project key is wrapped for it (docs/key-authenticity.md §3)
  await guard.approve(input.orgId, how.memberKeys.filter((m) => m.accountId !== accountId), remote.memberEmails(input.orgId));
  const projectKey = openKey(input.projectId, input.privateJwk, how.encSymmetricKey);
  // the caller's copy is wrapped with the public key it unwrapped itself, not the one the server lists
  const keys = wrapForMembers(how.memberKeys, { accountId, publicJwk: input.publicJwk }, projectKey, 'projectShareInstructions').map(({ accountId, encSymmetricKey }) => ({ accountId, encSymmetricKey }));
  const moved = await remote.share({ id: input.projectId, teamId: input.orgId, keys });
  if (moved !== input.projectId) throw new SomnusResponseError(200, '/graphql?projectShare', `POST /graphql?projectShare: moved ${moved} instead of ${input.projectId}`);
  return { projectId: input.projectId, orgId: input.orgId, sharedWith: keys.map((k) => k.accountId) };
}

/** `projectUnShare`: the project goes back to the caller's personal org and the other members lose their keys. */
export async function unshareProject(remote: SyncRemote, projectId: string): Promise<{ projectId: string }> {
  const moved = await remote.unshare(projectId);
  if (moved !== projectId) throw new SomnusResponseError(200, '/graphql?projectUnShare', `POST /graphql?projectUnShare: moved ${moved} instead of ${projectId}`);
  return { projectId };
}
