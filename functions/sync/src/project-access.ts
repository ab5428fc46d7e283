import type { PoolClient } from 'pg';
import { enterKeyedProject, findMembership, findProject, type ProjectRow } from '@somnus/db';
import { can, type Role } from '@somnus/models';
import { fail, tenantOf, transaction, type Result, type SessionActor } from '@somnus/runtime';
import type { SyncDeps } from './deps';

/**
 * Everything about a project is reachable only by a member of its org who holds a key for it. "Not
 * yours", "no key" and "does not exist" are one answer, so project ids cannot be probed; clients read
 * `invalid access` as "you no longer have permission".
 */
export const noAccess = () => fail<never>('NOT_FOUND', 'no such project, or no key for it');

export interface ProjectScope {
  tx: PoolClient;
  orgId: string;
  /**
   * The project's row, read on first ask: most reads (blobs, snapshots, branches) never need it. Null when
   * the project left the caller's reach while this request waited for the org's lock (a member removed, a
   * project taken back): the caller then gets the no-access answer.
   */
  project: () => Promise<ProjectRow | null>;
}

/**
 * Runs `fn` in one transaction under the tenant context of the project's org, after checking that the
 * caller holds a key for the project (the key row names the org) and is a member of that org (RLS hides
 * the project from anyone else). The org's shared lock orders this with membership changes.
 */
export async function inProject<T>(
  deps: SyncDeps,
  actor: SessionActor,
  projectId: string,
  fn: (scope: ProjectScope) => Promise<Result<T>>,
  /**
   * write: refused for archived projects. exclusive: the org's lock alone (moving the project out of it).
   * read: writes nothing, and answers from one snapshot taken before the access check (a member removed
   * while the read waited for the org's lock gets the whole answer as of before, never an empty one).
   */
  opts: { write?: boolean; exclusive?: boolean; read?: boolean } = {},
): Promise<Result<T>> {
  let moved = false;
  const attempt = () =>
    transaction(
      deps.db,
      async (tx) => {
        moved = false;
        const orgId = await enterKeyedProject(tx, projectId, actor.accountId, opts.exclusive ? 'exclusive' : 'shared');
        if (!orgId) return noAccess();
        let row: Promise<ProjectRow | null> | undefined;
        const project = () => (row ??= findProject(tx, orgId, projectId));
        if (opts.write) {
          // read after the lock: a project shared or taken back while this waited is in another org now
          const found = await project();
          if (!found) {
            moved = true;
            return noAccess();
          }
          if (found.archived_at) return fail('FORBIDDEN', 'this project is archived');
        }
        return fn({ tx, project, orgId });
      },
      tenantOf(actor),
      opts.read ? 'read-only-snapshot' : 'read-write',
    );
  // Entering finds the org and waits for its lock in one statement, which sees the project where it was when
  // the statement began. A write that waited out a move (projectShare, projectUnShare) enters once more, in
  // the project's new org, where the caller may still hold a key: it is answered there, not told it lost access.
  const first = await attempt();
  return moved ? attempt() : first;
}

/**
 * Taking a project out of a team's reach (archiving it, moving it back to a personal org) or dropping its
 * main branch is for whoever created it, or an owner or admin (the role model's `delete:file`): a plain
 * member must not be able to lock the rest of the team out of its history.
 */
export async function mayRemove(tx: PoolClient, actor: SessionActor, project: ProjectRow | null, orgId: string): Promise<boolean> {
  if (!project) return false;
  if (project.created_by === actor.accountId) return true;
  const membership = await findMembership(tx, orgId, actor.accountId);
  return can(membership?.role as Role | undefined, 'delete:file');
}

export const notAllowed = () => fail<never>('FORBIDDEN', 'only the project’s creator, an owner or an admin may do this');
