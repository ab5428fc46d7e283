import { appendToBranch, deleteBranch, findBranch, findSnapshots, findSnapshotsWithin, insertSnapshots, listBranches, lockBranch, missingBlobIds, recordOrgEvent, type BranchRow, type SnapshotRow } from '@somnus/db';
import { MAX_SNAPSHOT_READ_PER_CALL } from '@somnus/models';
import { fail, ok, type Result, type SessionActor } from '@somnus/runtime';
import type { SyncDeps } from '../deps';
import { MAX_IDS_PER_CALL } from '../limits';
import { inProject, mayRemove, notAllowed } from '../project-access';

/** The parent of a first commit (docs/protocol.md §5). */
export const ROOT_PARENT = '0'.repeat(40);
const ID = /^[A-Za-z0-9_.-]{1,128}$/;
const MAX_SNAPSHOTS_PER_PUSH = 100;
const MAX_STATE_ENTRIES = 100_000;
/** A commit message and its description; Insomnia sends the message as `name` and an empty description. */
const MAX_NAME_CHARS = 1000;
const MAX_DESCRIPTION_CHARS = 10_000;
const LAST_DATE = Date.parse('9999-12-31T23:59:59.999Z');

export interface SnapshotOut {
  id: string;
  parent: string;
  created: string;
  author: string;
  authorAccount: { firstName: string | null; lastName: string | null; email: string | null } | null;
  name: string;
  description: string;
  state: { key: string; name: string; blob: string }[];
}

const branchOut = (b: BranchRow) => ({ name: b.name, created: b.created.toISOString(), modified: b.modified.toISOString(), snapshots: b.snapshots });
const snapshotOut = (s: SnapshotRow): SnapshotOut => ({
  id: s.id,
  parent: s.parent,
  created: s.created.toISOString(),
  author: s.author_account_id ?? '',
  authorAccount: s.author_account_id ? { firstName: s.author_first_name, lastName: s.author_last_name, email: s.author_email } : null,
  name: s.name,
  description: s.description,
  state: s.state,
});

/** A state as comparable text, whatever the key order of its entries (jsonb reorders them). */
const sameState = (state: { key: string; name: string; blob: string }[]) => JSON.stringify(state.map((e) => [e.key, e.name, e.blob]));

function checkIds(ids: string[], what: string): Result<null> {
  if (ids.length > MAX_IDS_PER_CALL) return fail('VALIDATION_ERROR', `at most ${MAX_IDS_PER_CALL} ${what} per call`);
  if (ids.some((id) => !ID.test(id))) return fail('VALIDATION_ERROR', `${what}: ids are 1 to 128 letters, digits, _ . -`);
  return ok(null);
}

export async function branches(deps: SyncDeps, actor: SessionActor, input: { project: string }) {
  return inProject(deps, actor, input.project, async ({ tx }) => ok((await listBranches(tx, input.project)).map(branchOut)), { read: true });
}

export async function branch(deps: SyncDeps, actor: SessionActor, input: { project: string; name: string }) {
  return inProject(deps, actor, input.project, async ({ tx }) => {
    const b = await findBranch(tx, input.project, input.name);
    return ok(b ? branchOut(b) : null);
  }, { read: true });
}

/**
 * `snapshots(ids, project)`, in the order asked, each once (an id asked twice would count once against the
 * cap but be answered twice); unknown ids are left out; at most MAX_SNAPSHOT_READ_PER_CALL bytes.
 */
export async function snapshots(deps: SyncDeps, actor: SessionActor, input: { project: string; ids: string[] }): Promise<Result<SnapshotOut[]>> {
  const valid = checkIds(input.ids, 'snapshots');
  if (!valid.ok) return valid;
  const ids = [...new Set(input.ids)];
  return inProject(deps, actor, input.project, async ({ tx }) => {
    const found = await findSnapshotsWithin(tx, input.project, ids, MAX_SNAPSHOT_READ_PER_CALL);
    if (found.tooLarge) return fail('PAYLOAD_TOO_LARGE', `these snapshots hold more than ${MAX_SNAPSHOT_READ_PER_CALL} bytes: ask for fewer ids per request`);
    const byId = new Map(found.snapshots.map((s) => [s.id, s]));
    return ok(ids.flatMap((id) => (byId.has(id) ? [snapshotOut(byId.get(id)!)] : [])));
  }, { read: true });
}

export interface SnapshotInput {
  id: string;
  parent: string;
  created: string;
  name: string;
  description?: string | null;
  author?: string | null;
  state: { key: string; name: string; blob: string }[];
}

/**
 * `snapshotsCreate`: a fast-forward push. Under the branch's row lock, each snapshot either is on the branch
 * already (a retried push: nothing happens) or must have the branch's head as its parent; anything else is
 * a conflict and nothing of this call is stored. Every blob a snapshot names must have been pushed. The
 * author is the caller, whatever the body says.
 */
export async function createSnapshots(
  deps: SyncDeps,
  actor: SessionActor,
  input: { project: string; branch: string; snapshots: SnapshotInput[] },
): Promise<Result<SnapshotOut[]>> {
  if (input.snapshots.length > MAX_SNAPSHOTS_PER_PUSH) return fail('VALIDATION_ERROR', `at most ${MAX_SNAPSHOTS_PER_PUSH} snapshots per call`);
  if (!input.branch.trim() || input.branch.length > 200) return fail('VALIDATION_ERROR', 'branch must be 1 to 200 characters');
  // a commit appears once in a branch's history: one push naming it twice would make the list repeat it
  if (new Set(input.snapshots.map((s) => s.id)).size !== input.snapshots.length) return fail('VALIDATION_ERROR', 'a push names each snapshot once');
  for (const s of input.snapshots) {
    if (!ID.test(s.id) || !ID.test(s.parent)) return fail('VALIDATION_ERROR', 'snapshot ids and parents are 1 to 128 letters, digits, _ . -');
    const created = Date.parse(s.created);
    // Postgres holds years 4713 BC to 294276 AD; a commit's date is between 1970 and 9999
    if (Number.isNaN(created) || created < 0 || created > LAST_DATE) return fail('VALIDATION_ERROR', `snapshot ${s.id}: created must be a date between 1970 and 9999`);
    if (s.name.length > MAX_NAME_CHARS || (s.description ?? '').length > MAX_DESCRIPTION_CHARS) {
      return fail('VALIDATION_ERROR', `snapshot ${s.id}: the name is at most ${MAX_NAME_CHARS} characters, the description at most ${MAX_DESCRIPTION_CHARS}`);
    }
    if (s.state.length > MAX_STATE_ENTRIES) return fail('VALIDATION_ERROR', `snapshot ${s.id}: too many state entries`);
    if (s.state.some((e) => !ID.test(e.blob) || e.key.length > 200 || e.name.length > 1000)) return fail('VALIDATION_ERROR', `snapshot ${s.id}: malformed state entry`);
  }
  return inProject(
    deps,
    actor,
    input.project,
    async ({ tx, orgId }) => {
      const current = await lockBranch(tx, orgId, input.project, input.branch);
      const onBranch = new Set(current.snapshots);
      let head = current.snapshots.at(-1) ?? ROOT_PARENT;
      const fresh: SnapshotInput[] = [];
      for (const s of input.snapshots) {
        if (onBranch.has(s.id)) continue;
        if (s.parent !== head) return fail('CONFLICT', `Remote history conflict on branch ${input.branch}: pull first, then push again`);
        fresh.push(s);
        head = s.id;
      }
      // an id stored before (on this branch or another) must be that same commit: its id names its content,
      // so only a retry of the same push is a no-op
      const known = new Map((await findSnapshots(tx, input.project, input.snapshots.map((s) => s.id))).map((s) => [s.id, s]));
      for (const s of input.snapshots) {
        const stored = known.get(s.id);
        if (stored && (stored.parent !== s.parent || sameState(stored.state) !== sameState(s.state))) {
          return fail('CONFLICT', `snapshot ${s.id} already exists with another parent or state`);
        }
      }
      const blobs = [...new Set(fresh.flatMap((s) => s.state.map((e) => e.blob)))];
      const missing = blobs.length ? await missingBlobIds(tx, input.project, blobs) : [];
      if (missing.length) return fail('VALIDATION_ERROR', `push the blobs first: ${missing.length} blobs of these snapshots are missing`);
      await insertSnapshots(
        tx,
        orgId,
        input.project,
        fresh.map((s) => ({ id: s.id, parent: s.parent, created: new Date(s.created), authorAccountId: actor.accountId, name: s.name, description: s.description ?? '', state: s.state })),
      );
      if (fresh.length) await appendToBranch(tx, input.project, input.branch, fresh.map((s) => s.id));
      const stored = new Map((await findSnapshots(tx, input.project, input.snapshots.map((s) => s.id))).map((s) => [s.id, s]));
      return ok(input.snapshots.flatMap((s) => (stored.has(s.id) ? [snapshotOut(stored.get(s.id)!)] : [])));
    },
    { write: true },
  );
}

export async function removeBranch(deps: SyncDeps, actor: SessionActor, input: { project: string; name: string }): Promise<Result<boolean>> {
  return inProject(
    deps,
    actor,
    input.project,
    async ({ tx, orgId, project }) => {
      if (input.name === 'master' && !(await mayRemove(tx, actor, await project(), orgId))) return notAllowed();
      const removed = await deleteBranch(tx, input.project, input.name);
      if (removed) await recordOrgEvent(tx, { orgId, actorId: actor.accountId, type: 'branch.removed', subject: input.project, ip: actor.meta.ip, details: { branch: input.name } });
      return ok(removed);
    },
    { write: true },
  );
}
