import type { Queryable } from '../pool';

export interface PresenceRow {
  account_id: string;
  first_name: string;
  last_name: string;
  team_project_id: string;
  file_id: string;
}

/** The caller is here now: one row per member, team project and file, refreshed by every heartbeat. */
export async function markPresent(db: Queryable, p: { orgId: string; accountId: string; teamProjectId: string; fileId: string }): Promise<void> {
  await db.query(
    `INSERT INTO presence (org_id, account_id, team_project_id, file_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (org_id, account_id, team_project_id, file_id) DO UPDATE SET seen_at = now()`,
    [p.orgId, p.accountId, p.teamProjectId, p.fileId],
  );
}

/**
 * Forgets the member's heartbeats beyond their `keep` most recent in the org: a member has a few files open
 * at a time, and a client naming a new file on every call must not grow the table without end.
 */
export async function pruneOwnPresence(db: Queryable, p: { orgId: string; accountId: string; keep: number }): Promise<void> {
  await db.query(
    `DELETE FROM presence WHERE org_id = $1 AND account_id = $2 AND (team_project_id, file_id) NOT IN (
       SELECT team_project_id, file_id FROM presence WHERE org_id = $1 AND account_id = $2 ORDER BY seen_at DESC LIMIT $3)`,
    [p.orgId, p.accountId, p.keep],
  );
}

/** Other members seen in the team project since `since`, with the file each has open. */
export async function othersPresent(db: Queryable, p: { orgId: string; accountId: string; teamProjectId: string; since: Date }): Promise<PresenceRow[]> {
  const { rows } = await db.query<PresenceRow>(
    `SELECT p.account_id, a.first_name, a.last_name, p.team_project_id, p.file_id
       FROM presence p JOIN accounts a ON a.id = p.account_id
      WHERE p.org_id = $1 AND p.team_project_id = $2 AND p.account_id <> $3 AND p.seen_at >= $4
      ORDER BY p.seen_at DESC LIMIT 100`,
    [p.orgId, p.teamProjectId, p.accountId, p.since],
  );
  return rows;
}
