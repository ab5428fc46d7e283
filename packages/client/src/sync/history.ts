/**
 * Reading a project's history (docs/protocol.md §5): its branches, and a branch's snapshots with their
 * authors and messages. The chain is checked as pull checks the head: each snapshot's id hashes its
 * parent and state, and each parent is the snapshot before it, so the server cannot reorder, drop
 * from the middle or alter what it returns.
 */
import { BranchNotFoundError, ProjectNotFoundError, SyncIntegrityError } from '../errors';
import type { HttpClient } from '../http';
import type { RemoteSnapshot } from './answers';
import type { SyncProgress } from './progress';
import { DEFAULT_BRANCH } from './push';
import { SyncRemote } from './remote';
import { ROOT_PARENT, snapshotId } from './snapshot-id';

async function visibleProject(remote: SyncRemote, projectId: string): Promise<void> {
  if (!(await remote.project(projectId))) throw new ProjectNotFoundError(projectId);
}

/** The names of the project's branches. */
export async function branches(http: HttpClient, sessionId: string, projectId: string): Promise<string[]> {
  const remote = new SyncRemote(http, sessionId);
  await visibleProject(remote, projectId);
  return remote.branches(projectId);
}

/** Every snapshot of the branch, oldest first. */
export async function log(http: HttpClient, sessionId: string, projectId: string, branch = DEFAULT_BRANCH, onProgress?: SyncProgress): Promise<RemoteSnapshot[]> {
  const remote = new SyncRemote(http, sessionId);
  await visibleProject(remote, projectId);
  const history = (await remote.branch(projectId, branch))?.snapshots;
  if (!history?.length) throw new BranchNotFoundError(projectId, branch);
  const snapshots = await remote.snapshots(projectId, history, (done, total) => onProgress?.('pulling snapshots', done, total));
  snapshots.forEach((s, i) => {
    const parent = i === 0 ? ROOT_PARENT : history[i - 1];
    if (s.parent !== parent || snapshotId(projectId, s.parent, s.state) !== s.id) {
      throw new SyncIntegrityError(`snapshot ${s.id} as served does not match its id or its place on the branch`);
    }
  });
  return snapshots;
}
