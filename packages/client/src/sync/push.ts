/**
 * Push (docs/protocol.md §5): a set of documents becomes one new snapshot on top of the remote branch.
 *
 * Requests, in order: `project`; when it answers null, `teamMemberKeys` and `projectCreate` (a new key
 * wrapped for every member); `branch`; `projectKey`; `missingBlobs`; `blobsCreate` in batches of ≤ 200
 * blobs / ≤ 2 MB; `snapshotsPush` 20 at a time. That is Insomnia's order except for one step: Insomnia
 * sends `projectKey` after `missingBlobs`, because its blob ids are plain SHA-1s of the documents. The
 * SDK's blob ids are keyed with the project key (./blob-crypto), so it needs the key before it can name
 * the blobs to ask about. The server answers each operation on its own; the order is the client's.
 *
 * Nothing is uploaded for a push that cannot land: documents are checked locally first, and when the
 * caller says which snapshot its documents were based on (`base`), a remote branch that has moved on
 * since is a SyncConflictError before any blob is sent. The server refuses a non-fast-forward anyway
 * (a push racing ours), which surfaces as the same error.
 */
import type { AesJwk, RsaPrivateJwk, RsaPublicJwk } from '@somnus/crypto';
import { MAX_BLOB_CONTENT_PER_CALL } from '@somnus/models';
import { InvalidDocumentError, ProjectNotFoundError, SyncConflictError, SyncIntegrityError } from '../errors';
import { createProjectAs } from '../flows/create-project';
import type { KeyGuard } from '../trust/guard';
import type { HttpClient } from '../http';
import type { RemoteProject } from './answers';
import { blobBatches } from './batches';
import { blobIdKey, keyedBlobId, sealBlob } from './blob-crypto';
import { canonicalJson, checkPushable, checkUniqueIds, type SyncDocument } from './documents';
import type { SyncProgress } from './progress';
import { openProjectKey } from './project-key';
import type { SnapshotInput } from './queries';
import { SyncRemote } from './remote';
import { parentOnBranch, ROOT_PARENT, snapshotId } from './snapshot-id';

export const DEFAULT_BRANCH = 'master';

export interface PushInput {
  /** `prj_` + 32 hex; created when it does not exist yet (then `orgId` is needed). */
  projectId: string;
  /** The org (`teamId`) to create the project in. Not needed for an existing project. */
  orgId?: string;
  /** The team project to create it in; defaults to the org's default one. */
  teamProjectId?: string;
  /** Name of a project created by this push; defaults to its id. */
  projectName?: string;
  /** `rootDocumentId` of a project created by this push (Insomnia: the workspace id); defaults to empty. */
  rootDocumentId?: string;
  /** Defaults to `master`. */
  branch?: string;
  /** The snapshot's message. */
  message: string;
  description?: string;
  /** The whole state: documents left out are not in the new snapshot. */
  documents: readonly SyncDocument[];
  /** The account's keys (unwrapKeys): the private key opens the project key, the public one wraps a new one. */
  keys: { publicJwk: RsaPublicJwk; privateJwk: RsaPrivateJwk };
  /** The caller's account id, if known; otherwise it is asked for (whoami) when a project is created. */
  accountId?: string;
  /**
   * The head the documents were based on (the last pull or push), null for "the branch should be empty".
   * When given, a remote branch whose head is anything else refuses the push (SyncConflictError) before
   * anything is uploaded. When left out, the snapshot goes on top of whatever the remote head is.
   */
  base?: string | null;
  onProgress?: SyncProgress;
}

export interface PushResult {
  project: RemoteProject;
  /** Did this push create the project? */
  created: boolean;
  branch: string;
  /** The branch head after the push: the new snapshot, or the unchanged head when up to date. */
  head: string;
  /** The documents are exactly the head's already: nothing was sent after `projectKey`. */
  upToDate: boolean;
  blobsUploaded: number;
  documents: number;
}

function conflict(branch: string, base: string | null, history: readonly string[]): SyncConflictError {
  if (base === null) return new SyncConflictError(branch, `Remote history conflict: the remote branch ${branch} has snapshots you have not pulled; pull first`);
  if (history.includes(base)) return new SyncConflictError(branch, `Remote history conflict: the remote branch ${branch} has moved on since snapshot ${base.slice(0, 12)}; pull first, then push again`);
  return new SyncConflictError(branch, `Remote history conflict: the remote branch ${branch} does not hold snapshot ${base.slice(0, 12)}, which these documents are based on`);
}

export async function push(http: HttpClient, sessionId: string, input: PushInput, guard: KeyGuard): Promise<PushResult> {
  const branchName = input.branch ?? DEFAULT_BRANCH;
  for (const doc of input.documents) checkPushable(doc);
  const docs = input.documents as ReadonlyArray<SyncDocument & { name: string }>;
  checkUniqueIds(docs);
  const texts = docs.map((doc) => ({ doc, json: canonicalJson(doc) }));

  const remote = new SyncRemote(http, sessionId);
  let project = await remote.project(input.projectId);
  let newKey: AesJwk | null = null;
  if (!project) {
    if (!input.orgId) throw new ProjectNotFoundError(input.projectId);
    const accountId = input.accountId ?? (await http.call('GET /auth/whoami', { sessionId })).accountId;
    const created = await createProjectAs(remote, accountId, {
      orgId: input.orgId,
      id: input.projectId,
      name: input.projectName ?? input.projectId,
      publicJwk: input.keys.publicJwk,
      teamProjectId: input.teamProjectId,
      rootDocumentId: input.rootDocumentId,
    }, guard);
    project = created.project;
    newKey = created.projectKey;
  }

  const history = (await remote.branch(project.id, branchName))?.snapshots ?? [];
  const head = history.at(-1) ?? null;
  if (input.base !== undefined && input.base !== head) throw conflict(branchName, input.base, history);

  const projectKey = await openProjectKey(remote, project.id, input.keys.privateJwk);
  // the server stores what projectCreate sent; a different key back means someone swapped our copy
  if (newKey && newKey.k !== projectKey.k) throw new SyncIntegrityError(`the server returned a different key for the project ${project.id} just created`);
  const idKey = blobIdKey(projectKey);
  const entries = texts
    .map(({ doc, json }) => ({ key: doc._id, name: doc.name, blob: keyedBlobId(idKey, json), json }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const state = entries.map(({ key, name, blob }) => ({ key, name, blob }));
  const result = { project, created: newKey !== null, branch: branchName, documents: entries.length };

  // the head holds exactly these documents iff it is the snapshot they make on the head's own parent
  if (head !== null && snapshotId(project.id, parentOnBranch(history, head)!, state) === head) {
    return { ...result, head, upToDate: true, blobsUploaded: 0 };
  }
  const parent = head ?? ROOT_PARENT;
  const id = snapshotId(project.id, parent, state);

  const missing = await remote.missingBlobs(project.id, [...new Set(state.map((e) => e.blob))]);
  const uploads = new Map<string, { id: string; content: string }>();
  for (const e of entries) {
    if (!missing.has(e.blob) || uploads.has(e.blob)) continue;
    const content = sealBlob(projectKey, e.json);
    if (content.length > MAX_BLOB_CONTENT_PER_CALL) {
      throw new InvalidDocumentError(`document ${JSON.stringify(e.key.slice(0, 80))} is too large: ${content.length} bytes encrypted, at most ${MAX_BLOB_CONTENT_PER_CALL}`);
    }
    uploads.set(e.blob, { id: e.blob, content });
  }
  let uploaded = 0;
  for (const batch of blobBatches([...uploads.values()])) {
    await remote.createBlobs(project.id, batch);
    uploaded += batch.length;
    input.onProgress?.('pushing blobs', uploaded, uploads.size);
  }

  const snapshot: SnapshotInput = { id, parent, created: new Date().toISOString(), name: input.message, description: input.description ?? '', state };
  const pushed = await remote.pushSnapshots(project.id, branchName, [snapshot], (done, total) => input.onProgress?.('pushing snapshots', done, total));
  if (!pushed.some((s) => s.id === id)) throw new SyncIntegrityError(`the server did not confirm snapshot ${id}`);
  return { ...result, head: id, upToDate: false, blobsUploaded: uploaded };
}
