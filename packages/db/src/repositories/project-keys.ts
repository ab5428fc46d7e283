import type { Queryable } from '../pool';

/** M_Link: one member's copy of a project key, wrapped with their public key (512 hex). */
export interface NewProjectKey {
  projectId: string;
  accountId: string;
  encSymmetricKey: string;
  autoLinked: boolean;
}

export interface MemberLackingKey {
  account_id: string;
  project_id: string;
  public_key: string;
}

/** One statement for all keys: it stores every key or none. */
export async function insertProjectKeys(db: Queryable, orgId: string, keys: NewProjectKey[]): Promise<void> {
  if (keys.length === 0) return;
  await db.query(
    `INSERT INTO project_keys (org_id, project_id, account_id, enc_symmetric_key, auto_linked)
     SELECT $1, k.project_id, k.account_id, k.enc_symmetric_key, k.auto_linked
       FROM unnest($2::text[], $3::text[], $4::text[], $5::boolean[]) AS k(project_id, account_id, enc_symmetric_key, auto_linked)`,
    [orgId, keys.map((k) => k.projectId), keys.map((k) => k.accountId), keys.map((k) => k.encSymmetricKey), keys.map((k) => k.autoLinked)],
  );
}

/** An accepted invitation's keys become the invitee's; a key they already hold is kept. Returns how many were added. */
export async function copyInviteKeysTo(db: Queryable, inviteId: string, accountId: string): Promise<number> {
  const r = await db.query(
    `INSERT INTO project_keys (org_id, project_id, account_id, enc_symmetric_key, auto_linked)
     SELECT org_id, project_id, $2, enc_symmetric_key, auto_linked FROM invite_keys WHERE invite_id = $1
     ON CONFLICT (project_id, account_id) DO NOTHING`,
    [inviteId, accountId],
  );
  return r.rowCount ?? 0;
}

/** The account's wrapped key of every project of the org that it holds one for. */
export async function listKeysOf(db: Queryable, orgId: string, accountId: string): Promise<{ project_id: string; enc_symmetric_key: string }[]> {
  const { rows } = await db.query<{ project_id: string; enc_symmetric_key: string }>(
    'SELECT project_id, enc_symmetric_key FROM project_keys WHERE org_id = $1 AND account_id = $2 ORDER BY project_id',
    [orgId, accountId],
  );
  return rows;
}

/**
 * For each project of the org that `holderId` holds a key for, every member without a key for it,
 * with their public key: exactly what the holder can wrap and share (docs/protocol.md §6, my-project-keys).
 * A member whose current key is not the one approved in the org is quarantined and left out (§6, key approval).
 */
export async function listMembersLackingKeys(db: Queryable, orgId: string, holderId: string): Promise<MemberLackingKey[]> {
  const { rows } = await db.query<MemberLackingKey>(
    `SELECT m.account_id, mine.project_id, a.public_key
       FROM project_keys mine
       JOIN memberships m ON m.org_id = mine.org_id
       JOIN accounts a ON a.id = m.account_id
      WHERE mine.org_id = $1 AND mine.account_id = $2
        AND m.approved_fingerprint = a.key_fingerprint
        AND NOT EXISTS (SELECT 1 FROM project_keys k WHERE k.project_id = mine.project_id AND k.account_id = m.account_id)
      ORDER BY mine.project_id, m.account_id`,
    [orgId, holderId],
  );
  return rows;
}

/** The stored wrapped key of each (projectId, accountId) pair that has one, keyed `projectId accountId`. */
export async function existingKeyPairs(db: Queryable, orgId: string, pairs: { projectId: string; accountId: string }[]): Promise<Map<string, string>> {
  if (pairs.length === 0) return new Map();
  const { rows } = await db.query<{ project_id: string; account_id: string; enc_symmetric_key: string }>(
    `SELECT k.project_id, k.account_id, k.enc_symmetric_key FROM project_keys k
       JOIN unnest($2::text[], $3::text[]) AS p(project_id, account_id) ON p.project_id = k.project_id AND p.account_id = k.account_id
      WHERE k.org_id = $1`,
    [orgId, pairs.map((p) => p.projectId), pairs.map((p) => p.accountId)],
  );
  return new Map(rows.map((r) => [`${r.project_id} ${r.account_id}`, r.enc_symmetric_key]));
}

/**
 * Clears `lacks_keys` (set by an account reset) for those of `accountIds` that now hold a key for every
 * project of the org. Returns the accounts cleared.
 */
export async function clearLacksKeysWhereComplete(db: Queryable, orgId: string, accountIds: string[]): Promise<string[]> {
  if (accountIds.length === 0) return [];
  const { rows } = await db.query<{ account_id: string }>(
    `UPDATE memberships m SET lacks_keys = false
      WHERE m.org_id = $1 AND m.account_id = ANY($2::text[]) AND m.lacks_keys
        AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.org_id = $1
                          AND NOT EXISTS (SELECT 1 FROM project_keys k WHERE k.project_id = p.id AND k.account_id = m.account_id))
      RETURNING m.account_id`,
    [orgId, accountIds],
  );
  return rows.map((r) => r.account_id);
}
