import type { Queryable } from '../pool';
import { orgLockKey } from './org-locks';

/** Rows of Insomnia's version control (docs/protocol.md §5). Every query names its project. */

export interface SnapshotRow {
  id: string;
  parent: string;
  created: Date;
  author_account_id: string | null;
  author_first_name: string | null;
  author_last_name: string | null;
  author_email: string | null;
  name: string;
  description: string;
  state: { key: string; name: string; blob: string }[];
}

export interface BranchRow {
  name: string;
  snapshots: string[];
  created: Date;
  modified: Date;
}

export interface NewSnapshot {
  id: string;
  parent: string;
  created: Date;
  authorAccountId: string;
  name: string;
  description: string;
  state: { key: string; name: string; blob: string }[];
}

/**
 * Enters a project the account holds a key for, in an org it is a member of — the one way to reach a
 * project (no key or no membership, no project): in one round trip, finds its org, adds the org to the
 * transaction's tenant context and takes the org's shared lock (org-locks.ts). Null, and nothing changed,
 * otherwise. RLS checks the membership again on every statement that follows.
 */
export async function enterKeyedProject(db: Queryable, projectId: string, accountId: string, lock: 'shared' | 'exclusive' = 'shared'): Promise<string | null> {
  const { rows } = await db.query<{ org_id: string }>({
    name: `vcs-enter-keyed-project-${lock}`,
    text: `SELECT org_id, set_config('app.org_id', org_id, true), ${lock === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'}(${orgLockKey('org_id')})
             FROM project_keys WHERE project_id = $1 AND account_id = $2 AND app_is_member(org_id)`,
    values: [projectId, accountId],
  });
  return rows[0]?.org_id ?? null;
}

/** Whether a project id is taken anywhere, whoever can see it (a SECURITY DEFINER function: RLS hides the rest). */
export async function projectIdTaken(db: Queryable, projectId: string): Promise<boolean> {
  const { rows } = await db.query<{ taken: boolean }>('SELECT app_project_id_taken($1) AS taken', [projectId]);
  return rows[0]?.taken === true;
}

export async function insertBlobs(db: Queryable, orgId: string, projectId: string, blobs: { id: string; content: string }[]): Promise<number> {
  if (blobs.length === 0) return 0;
  const r = await db.query(
    `INSERT INTO vcs_blobs (org_id, project_id, id, content)
     SELECT $1, $2, b.id, b.content FROM unnest($3::text[], $4::text[]) AS b(id, content)
     ON CONFLICT (project_id, id) DO NOTHING`,
    [orgId, projectId, blobs.map((b) => b.id), blobs.map((b) => b.content)],
  );
  return r.rowCount ?? 0;
}

/**
 * The blobs of `ids`, unless their content adds up to more than `maxBytes`: then none (`tooLarge`). The
 * sizes come from the stored values' headers (octet_length does not read a TOASTed value) and a content is
 * only read when the whole answer fits, so asking for too much costs no memory.
 */
export async function findBlobsWithin(db: Queryable, projectId: string, ids: string[], maxBytes: number): Promise<{ blobs: { id: string; content: string }[]; tooLarge: boolean }> {
  const { rows } = await db.query<{ id: string; content: string | null }>({
    name: 'vcs-find-blobs-within',
    text: `SELECT id, CASE WHEN total <= $3 THEN content END AS content
             FROM (SELECT id, content, sum(octet_length(content)) OVER () AS total
                     FROM vcs_blobs WHERE project_id = $1 AND id = ANY($2::text[])) AS asked`,
    values: [projectId, ids, maxBytes],
  });
  if (rows.some((r) => r.content === null)) return { blobs: [], tooLarge: true };
  return { blobs: rows as { id: string; content: string }[], tooLarge: false };
}

export async function findBlobs(db: Queryable, projectId: string, ids: string[]): Promise<{ id: string; content: string }[]> {
  const { rows } = await db.query<{ id: string; content: string }>('SELECT id, content FROM vcs_blobs WHERE project_id = $1 AND id = ANY($2::text[])', [projectId, ids]);
  return rows;
}

/**
 * The ids of `ids` the project does not hold, in the order asked. Asked as key lookups (`id = ANY`) rather
 * than an anti-join, so the cost follows the list, never the size of the project or the table.
 */
export async function missingBlobIds(db: Queryable, projectId: string, ids: string[]): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM vcs_blobs WHERE project_id = $1 AND id = ANY($2::text[])', [projectId, ids]);
  const held = new Set(rows.map((r) => r.id));
  return ids.filter((id) => !held.has(id));
}

const SNAPSHOT_COLUMNS = `s.id, s.parent, s.created, s.author_account_id, a.first_name AS author_first_name,
  a.last_name AS author_last_name, a.email AS author_email, s.name, s.description, s.state`;

export async function findSnapshots(db: Queryable, projectId: string, ids: string[]): Promise<SnapshotRow[]> {
  const { rows } = await db.query<SnapshotRow>(
    `SELECT ${SNAPSHOT_COLUMNS} FROM vcs_snapshots s LEFT JOIN accounts a ON a.id = s.author_account_id
      WHERE s.project_id = $1 AND s.id = ANY($2::text[])`,
    [projectId, ids],
  );
  return rows;
}

/**
 * Like findSnapshots, unless the snapshots asked for hold more than `maxBytes` together (state, name and
 * description): then nothing is read but their sizes (stored with each snapshot), and the answer is `tooLarge`.
 */
export async function findSnapshotsWithin(db: Queryable, projectId: string, ids: string[], maxBytes: number): Promise<{ snapshots: SnapshotRow[]; tooLarge: boolean }> {
  const { rows } = await db.query<{ total: string }>({
    name: 'vcs-snapshots-size',
    text: 'SELECT coalesce(sum(answer_bytes), 0) AS total FROM vcs_snapshots WHERE project_id = $1 AND id = ANY($2::text[])',
    values: [projectId, ids],
  });
  if (Number(rows[0]!.total) > maxBytes) return { snapshots: [], tooLarge: true };
  return { snapshots: await findSnapshots(db, projectId, ids), tooLarge: false };
}

/** Stores snapshots not stored yet (a retried push stores nothing twice). */
export async function insertSnapshots(db: Queryable, orgId: string, projectId: string, snapshots: NewSnapshot[]): Promise<void> {
  for (const s of snapshots) {
    await db.query(
      `INSERT INTO vcs_snapshots (org_id, project_id, id, parent, created, author_account_id, name, description, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (project_id, id) DO NOTHING`,
      [orgId, projectId, s.id, s.parent, s.created, s.authorAccountId, s.name, s.description, JSON.stringify(s.state)],
    );
  }
}

export async function listBranches(db: Queryable, projectId: string): Promise<BranchRow[]> {
  const { rows } = await db.query<BranchRow>('SELECT name, snapshots, created, modified FROM vcs_branches WHERE project_id = $1 ORDER BY name', [projectId]);
  return rows;
}

export async function findBranch(db: Queryable, projectId: string, name: string): Promise<BranchRow | null> {
  const { rows } = await db.query<BranchRow>('SELECT name, snapshots, created, modified FROM vcs_branches WHERE project_id = $1 AND name = $2', [projectId, name]);
  return rows[0] ?? null;
}

/**
 * The branch, created empty if missing, locked until the transaction ends: pushes to one branch are
 * serialised here, so two of them can never both extend the same head.
 */
export async function lockBranch(db: Queryable, orgId: string, projectId: string, name: string): Promise<BranchRow> {
  // one statement, so a branch removed in between cannot leave us without a row: the upsert locks and returns it
  const { rows } = await db.query<BranchRow>(
    `INSERT INTO vcs_branches (org_id, project_id, name) VALUES ($1, $2, $3)
     ON CONFLICT (project_id, name) DO UPDATE SET modified = vcs_branches.modified
     RETURNING name, snapshots, created, modified`,
    [orgId, projectId, name],
  );
  return rows[0]!;
}

export async function appendToBranch(db: Queryable, projectId: string, name: string, ids: string[]): Promise<void> {
  await db.query('UPDATE vcs_branches SET snapshots = snapshots || $3::text[], modified = now() WHERE project_id = $1 AND name = $2', [projectId, name, ids]);
}

export async function deleteBranch(db: Queryable, projectId: string, name: string): Promise<boolean> {
  const r = await db.query('DELETE FROM vcs_branches WHERE project_id = $1 AND name = $2', [projectId, name]);
  return (r.rowCount ?? 0) > 0;
}

export async function archiveProject(db: Queryable, projectId: string): Promise<void> {
  await db.query('UPDATE projects SET archived_at = now() WHERE id = $1 AND archived_at IS NULL', [projectId]);
}

/** Moves a project (and, by cascade, its keys, blobs, snapshots and branches) to another org of the caller. */
export async function moveProject(db: Queryable, p: { projectId: string; fromOrgId: string; toOrgId: string; teamProjectId: string }): Promise<boolean> {
  const { rows } = await db.query<{ moved: boolean }>('SELECT app_move_project($1, $2, $3, $4) AS moved', [p.projectId, p.fromOrgId, p.toOrgId, p.teamProjectId]);
  return rows[0]?.moved === true;
}

/** Every key of the project but the account's own (taking a project back from a team). */
export async function deleteOtherProjectKeys(db: Queryable, projectId: string, keepAccountId: string): Promise<number> {
  const r = await db.query('DELETE FROM project_keys WHERE project_id = $1 AND account_id <> $2', [projectId, keepAccountId]);
  return r.rowCount ?? 0;
}
