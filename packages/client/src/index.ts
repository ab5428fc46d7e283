/**
 * @somnus/client: the typed end-to-end-encrypted SDK for Somnus (and the `somnus` CLI in cli.ts).
 */
export { SomnusClient, type SomnusClientOptions, type LoginResult, type Member, type StorageRule, type OrgProject } from './client';
export {
  SomnusApiError,
  SomnusResponseError,
  SomnusNetworkError,
  ServerProofError,
  NotLoggedInError,
  NoProjectKeyError,
  NoSeatsError,
  ProjectKeyUnwrapError,
  SyncGraphqlError,
  ProjectNotFoundError,
  BranchNotFoundError,
  SyncConflictError,
  LocalChangesError,
  SyncIntegrityError,
  InvalidDocumentError,
  KeyHistoryError,
  KeyChangedError,
  FingerprintMismatchError,
  type MemberRef,
} from './errors';
export { MemoryTrustStore, emptyTrustState, parseTrustState, type TrustStore, type TrustState, type SeenHistory, type PinnedSigningKey } from './trust/store';
export { KeyGuard, type MemberKey } from './trust/guard';
export { checkKeyHistory, type HistoryCheck } from './trust/history';
export { HttpClient, normalizeBaseUrl, type HttpClientOptions, type CallOptions } from './http';
export type { SignupInput, SignupResult } from './flows/signup';
export type { LoginInput } from './flows/login';
export type { ChangePassphraseInput } from './flows/change-passphrase';
export type { CreateProjectInput, CreateProjectResult } from './flows/create-project';
export type { ShareProjectInput, ShareProjectResult } from './flows/share-project';
export type { InviteResult, MemberRole } from './flows/invite';
export type { ReshareResult } from './flows/share-keys';
export type { ResetAccountInput, ResetAccountResult } from './flows/reset-account';
export { newProjectId, wrapProjectKey, unwrapProjectKey, planReconcile, inviteKeysFor } from './flows/project-keys';
export type { PushInput, PushResult } from './sync/push';
export type { PullInput, PullResult } from './sync/pull';
export type { RemoteProject, RemoteSnapshot, StateEntry } from './sync/answers';
export type { SyncDocument } from './sync/documents';
export type { SyncProgress, SyncStep } from './sync/progress';
export { SYNC_QUERIES, type SyncLabel } from './sync/queries';
export { SHARE_QUERIES, type ShareLabel } from './sync/share-queries';
export { snapshotId, ROOT_PARENT } from './sync/snapshot-id';
export { canonicalJson } from './sync/documents';
export { CLIENT_VERSION, defaultClientName } from './version';
// Re-exported so SDK users can catch a locally detected wrong passphrase without importing @somnus/crypto.
export { WrongPassphraseError, type AccountKeys } from '@somnus/crypto';
