/**
 * The caller's copy of a project key, fetched with `projectKey` and opened locally with the account's
 * private key (docs/protocol.md §5: `JSON.parse(decryptRSA(privateKey, projectKey.encSymmetricKey))`).
 */
import type { AesJwk, RsaPrivateJwk } from '@somnus/crypto';
import { NoProjectKeyError } from '../errors';
import { unwrapProjectKey } from '../flows/project-keys';
import type { SyncRemote } from './remote';

export async function openProjectKey(remote: SyncRemote, projectId: string, privateJwk: RsaPrivateJwk): Promise<AesJwk> {
  const wrapped = await remote.projectKey(projectId);
  if (wrapped === null) throw new NoProjectKeyError(projectId);
  return unwrapProjectKey(privateJwk, wrapped);
}
