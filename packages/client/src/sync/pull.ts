/**
 * Pull (docs/protocol.md §5): the documents of a branch's head, decrypted here.
 *
 * Requests, in Insomnia's order: `project` (null: ProjectNotFoundError — a pull never creates a
 * project), `branch`, `snapshots` for the head, `projectKey`, `blobs` 50 at a time for the blobs not
 * already held locally. The SDK keeps no history store of its own, so the head is the one snapshot it
 * does not know; `log` reads the whole history.
 *
 * What the server hands back is checked before it is returned: the head's id must hash its parent and
 * state and its parent must be the branch's previous snapshot (so the server cannot serve another
 * state under the head's id), and each blob must decrypt under the project key to a document whose
 * `_id` is its state entry's key and whose content hashes to the blob's id (the SDK's keyed id, or
 * Insomnia's SHA-1 for blobs an Insomnia app pushed) — so blobs cannot be swapped either.
 *
 * With `local` and `base` (the documents held locally and the snapshot they came from), local changes are
 * protected: when the local documents are not exactly `base`'s and the branch has moved on, the pull is
 * refused (LocalChangesError) instead of returning documents the caller would overwrite them with.
 */
import type { RsaPrivateJwk } from '@somnus/crypto';
import { BranchNotFoundError, InvalidDocumentError, LocalChangesError, ProjectNotFoundError, SyncIntegrityError } from '../errors';
import type { HttpClient } from '../http';
import type { RemoteProject, RemoteSnapshot } from './answers';
import { blobIdKey, insomniaBlobId, keyedBlobId, openBlob } from './blob-crypto';
import { canonicalJson, type SyncDocument } from './documents';
import type { SyncProgress } from './progress';
import { openProjectKey } from './project-key';
import { DEFAULT_BRANCH } from './push';
import { SyncRemote } from './remote';
import { parentOnBranch, snapshotId } from './snapshot-id';

export interface PullInput {
  projectId: string;
  /** Defaults to `master`. */
  branch?: string;
  keys: { privateJwk: RsaPrivateJwk };
  /** Documents held locally: blobs they already are are not downloaded. */
  local?: readonly SyncDocument[];
  /** The snapshot `local` came from (null: never synced). With `local`, protects local changes (see above). */
  base?: string | null;
  onProgress?: SyncProgress;
}

export interface PullResult {
  project: RemoteProject;
  branch: string;
  /** The head snapshot's id. */
  head: string;
  /** The head snapshot: message, author, date, state. */
  snapshot: RemoteSnapshot;
  /** The head's documents, by `_id`. */
  documents: SyncDocument[];
  /** The head is `base`: nothing changed remotely. */
  upToDate: boolean;
  blobsDownloaded: number;
}

function isDocument(value: unknown): value is SyncDocument {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Record<string, unknown>)['_id'] === 'string';
}

/** The head snapshot must be the one its id commits to, on top of the branch's previous snapshot. */
function checkHead(projectId: string, history: readonly string[], snap: RemoteSnapshot): void {
  const head = history.at(-1)!;
  if (snap.id !== head || snap.parent !== parentOnBranch(history, head) || snapshotId(projectId, snap.parent, snap.state) !== head) {
    throw new SyncIntegrityError(`snapshot ${head} as served does not match its id (parent or state altered)`);
  }
  const keys = new Set(snap.state.map((e) => e.key));
  if (keys.size !== snap.state.length) throw new SyncIntegrityError(`snapshot ${head} lists a document twice`);
}

/** Are the local documents exactly `base`'s state? Judged by the snapshot id they would make on `base`'s parent. */
function localMatchesBase(projectId: string, history: readonly string[], base: string | null, localBlobs: readonly string[]): boolean {
  if (base === null) return localBlobs.length === 0;
  const parent = parentOnBranch(history, base);
  return parent !== undefined && snapshotId(projectId, parent, localBlobs.map((blob) => ({ blob }))) === base;
}

export async function pull(http: HttpClient, sessionId: string, input: PullInput): Promise<PullResult> {
  const branchName = input.branch ?? DEFAULT_BRANCH;
  for (const doc of input.local ?? []) if (!isDocument(doc)) throw new InvalidDocumentError('a local document must be a JSON object with a string _id');
  const remote = new SyncRemote(http, sessionId);

  const project = await remote.project(input.projectId);
  if (!project) throw new ProjectNotFoundError(input.projectId);
  const history = (await remote.branch(project.id, branchName))?.snapshots ?? [];
  const head = history.at(-1);
  if (head === undefined) throw new BranchNotFoundError(project.id, branchName);
  const [snap] = await remote.snapshots(project.id, [head], (done, total) => input.onProgress?.('pulling snapshots', done, total));
  checkHead(project.id, history, snap!);
  const projectKey = await openProjectKey(remote, project.id, input.keys.privateJwk);
  const idKey = blobIdKey(projectKey);

  const localByBlob = new Map<string, string>();
  for (const doc of input.local ?? []) {
    const json = canonicalJson(doc);
    localByBlob.set(keyedBlobId(idKey, json), json);
  }
  const upToDate = input.base !== undefined && input.base === head;
  if (input.local && input.base !== undefined && !upToDate && !localMatchesBase(project.id, history, input.base, [...localByBlob.keys()])) {
    const where = input.base === null || history.includes(input.base) ? 'they were last synced' : `snapshot ${input.base.slice(0, 12)} (no longer on the remote branch)`;
    throw new LocalChangesError(branchName, `the local documents have changes since ${where}, and the remote branch ${branchName} has moved on: a pull would overwrite them`);
  }

  const wanted = [...new Set(snap!.state.map((e) => e.blob))].filter((blob) => !localByBlob.has(blob));
  const contents = await remote.blobs(project.id, wanted, (done, total) => input.onProgress?.('pulling blobs', done, total));
  const documents = snap!.state.map((entry) => {
    const fetched = contents.get(entry.blob);
    const text = fetched === undefined ? localByBlob.get(entry.blob)! : openBlob(projectKey, fetched);
    let doc: unknown;
    try {
      doc = JSON.parse(text) as unknown;
    } catch {
      throw new SyncIntegrityError(`blob ${entry.blob} does not hold JSON`);
    }
    if (!isDocument(doc) || doc._id !== entry.key) throw new SyncIntegrityError(`blob ${entry.blob} does not hold the document ${entry.key}`);
    const json = canonicalJson(doc);
    if (keyedBlobId(idKey, json) !== entry.blob && insomniaBlobId(json) !== entry.blob) throw new SyncIntegrityError(`blob ${entry.blob} does not match its id`);
    return doc;
  });
  documents.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
  return { project, branch: branchName, head, snapshot: snap!, documents, upToDate, blobsDownloaded: wanted.length };
}
