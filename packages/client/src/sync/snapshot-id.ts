/**
 * Snapshot ids (docs/protocol.md §5): SHA-1 over the project id, the parent id and each state entry's
 * blob id in ascending order, concatenated with no separator — exactly as Insomnia computes them, so an
 * Insomnia app and the SDK agree on every id, and a puller can check that the state the server hands
 * back is the one the id commits to.
 */
import { createHash } from 'node:crypto';
import type { StateEntry } from './answers';

/** The parent of a branch's first snapshot. */
export const ROOT_PARENT = '0'.repeat(40);

export function snapshotId(projectId: string, parent: string, state: ReadonlyArray<Pick<StateEntry, 'blob'>>): string {
  const hash = createHash('sha1').update(projectId).update(parent);
  // plain string order (UTF-16 code units), as Insomnia's sort; blob ids are ASCII, so it is byte order too
  for (const blob of state.map((e) => e.blob).sort()) hash.update(blob);
  return hash.digest('hex');
}

/**
 * The parent of `id` on a branch: the snapshot before it (the server appends only children of the head,
 * docs/protocol.md §5), or the root for the first. Undefined when `id` is not on the branch.
 */
export function parentOnBranch(snapshots: readonly string[], id: string): string | undefined {
  const i = snapshots.lastIndexOf(id);
  if (i < 0) return undefined;
  return i === 0 ? ROOT_PARENT : snapshots[i - 1];
}
