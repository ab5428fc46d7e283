import type { Queryable } from '../pool';

export interface TeamProjectRow {
  id: string;
  org_id: string;
  name: string;
  is_default: boolean;
  created_at: Date;
}

export async function insertTeamProject(db: Queryable, p: { id: string; orgId: string; name: string; isDefault: boolean }): Promise<void> {
  await db.query('INSERT INTO team_projects (id, org_id, name, is_default) VALUES ($1, $2, $3, $4)', [p.id, p.orgId, p.name, p.isDefault]);
}

export async function listTeamProjects(db: Queryable, orgId: string): Promise<TeamProjectRow[]> {
  const { rows } = await db.query<TeamProjectRow>(
    'SELECT * FROM team_projects WHERE org_id = $1 ORDER BY is_default DESC, created_at, id',
    [orgId],
  );
  return rows;
}

export async function findTeamProject(db: Queryable, orgId: string, id: string): Promise<TeamProjectRow | null> {
  const { rows } = await db.query<TeamProjectRow>('SELECT * FROM team_projects WHERE org_id = $1 AND id = $2', [orgId, id]);
  return rows[0] ?? null;
}

export async function renameTeamProject(db: Queryable, orgId: string, id: string, name: string): Promise<void> {
  await db.query('UPDATE team_projects SET name = $3 WHERE org_id = $1 AND id = $2', [orgId, id, name]);
}

export async function deleteTeamProject(db: Queryable, orgId: string, id: string): Promise<void> {
  await db.query('DELETE FROM team_projects WHERE org_id = $1 AND id = $2', [orgId, id]);
}

/** Insomnia treats `proj_<orgId>` as an org's default team project (docs/protocol.md §5, §6). */
export const defaultTeamProjectId = (orgId: string) => `proj_${orgId}`;
