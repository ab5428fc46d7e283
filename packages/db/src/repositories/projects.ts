import type { Queryable } from '../pool';

/** A VCS project (M_ResourceGroup, docs/architecture.md §1.3): its id is chosen by the client, its key never reaches us. */
export interface ProjectRow {
  id: string;
  org_id: string;
  team_project_id: string;
  name: string;
  root_document_id: string;
  created_by: string | null;
  created_at: Date;
  /** archived projects are hidden from lists and refuse writes */
  archived_at: Date | null;
  /** the personal org a project was shared from (projectShare); only there can it be taken back */
  shared_from_org: string | null;
}

/**
 * Inserts unless the id exists anywhere; returns whether it did. DO NOTHING (not a unique violation)
 * so that a retry, or an id taken in an org the caller cannot see, leaves the transaction usable.
 */
export async function insertProjectIfAbsent(
  db: Queryable,
  p: { id: string; orgId: string; teamProjectId: string; name: string; rootDocumentId: string; createdBy: string },
): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO projects (id, org_id, team_project_id, name, root_document_id, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
    [p.id, p.orgId, p.teamProjectId, p.name, p.rootDocumentId, p.createdBy],
  );
  return (r.rowCount ?? 0) > 0;
}

export async function findProject(db: Queryable, orgId: string, id: string): Promise<ProjectRow | null> {
  const { rows } = await db.query<ProjectRow>('SELECT * FROM projects WHERE org_id = $1 AND id = $2', [orgId, id]);
  return rows[0] ?? null;
}

/** Which of `ids` are projects of the org. */
export async function projectIdsInOrg(db: Queryable, orgId: string, ids: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM projects WHERE org_id = $1 AND id = ANY($2::text[])', [orgId, ids]);
  return new Set(rows.map((r) => r.id));
}

/** The projects of the org the account holds a key for, not archived, optionally in one team project. */
export async function listKeyedProjects(db: Queryable, orgId: string, accountId: string, teamProjectId?: string): Promise<(ProjectRow & { org_name: string })[]> {
  const { rows } = await db.query<ProjectRow & { org_name: string }>(
    `SELECT p.*, o.name AS org_name FROM projects p
       JOIN project_keys k ON k.project_id = p.id AND k.account_id = $2
       JOIN organizations o ON o.id = p.org_id
      WHERE p.org_id = $1 AND p.archived_at IS NULL AND ($3::text IS NULL OR p.team_project_id = $3)
      ORDER BY p.created_at, p.id`,
    [orgId, accountId, teamProjectId ?? null],
  );
  return rows;
}
