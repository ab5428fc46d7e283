import type { Queryable } from '../pool';

export type OrgType = 'personal' | 'team';
export type StorageRule = 'cloud_plus_local' | 'cloud_only' | 'local_only';
export type MemberRole = 'owner' | 'admin' | 'member';

export interface OrganizationRow {
  id: string;
  name: string;
  type: OrgType;
  owner_account_id: string;
  storage_rule: StorageRule;
  allowed_invite_domains: string[];
  seat_limit: number | null;
  created_at: Date;
}

/** No RETURNING: the creator is not a member yet, so the row is not visible to them until they are. */
export async function insertOrganization(
  db: Queryable,
  o: { id: string; name: string; type: OrgType; ownerAccountId: string; seatLimit: number | null },
): Promise<void> {
  await db.query(
    `INSERT INTO organizations (id, name, type, owner_account_id, seat_limit) VALUES ($1, $2, $3, $4, $5)`,
    [o.id, o.name, o.type, o.ownerAccountId, o.seatLimit],
  );
}

export async function findOrganization(db: Queryable, id: string): Promise<OrganizationRow | null> {
  const { rows } = await db.query<OrganizationRow>('SELECT * FROM organizations WHERE id = $1', [id]);
  return rows[0] ?? null;
}

/** Locks the org row (owners and admins only, by RLS): ownership changes are serialised on it. */
export async function lockOrganization(db: Queryable, id: string): Promise<OrganizationRow | null> {
  const { rows } = await db.query<OrganizationRow>('SELECT * FROM organizations WHERE id = $1 FOR UPDATE', [id]);
  return rows[0] ?? null;
}

/** The caller's orgs (RLS shows only orgs they belong to), personal first, then by creation. */
export async function listOrganizationsOf(
  db: Queryable,
  accountId: string,
  page: { offset: number; limit: number },
): Promise<{ rows: OrganizationRow[]; total: number }> {
  const { rows } = await db.query<OrganizationRow & { total: string }>(
    `SELECT o.*, count(*) OVER () AS total
       FROM organizations o JOIN memberships m ON m.org_id = o.id AND m.account_id = $1
      ORDER BY (o.type = 'personal') DESC, o.created_at, o.id
      OFFSET $2 LIMIT $3`,
    [accountId, page.offset, page.limit],
  );
  const total = rows[0] ? Number(rows[0].total) : (await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM memberships WHERE account_id = $1', [accountId])).rows[0]?.n;
  return { rows, total: Number(total ?? 0) };
}

export async function renameOrganization(db: Queryable, id: string, name: string): Promise<void> {
  await db.query('UPDATE organizations SET name = $2 WHERE id = $1', [id, name]);
}

export async function setStorageRule(db: Queryable, id: string, rule: StorageRule): Promise<void> {
  await db.query('UPDATE organizations SET storage_rule = $2 WHERE id = $1', [id, rule]);
}

export async function setInviteDomains(db: Queryable, id: string, domains: string[]): Promise<void> {
  await db.query('UPDATE organizations SET allowed_invite_domains = $2 WHERE id = $1', [id, domains]);
}

export async function setOrganizationOwner(db: Queryable, id: string, accountId: string): Promise<void> {
  await db.query('UPDATE organizations SET owner_account_id = $2 WHERE id = $1', [id, accountId]);
}

/** Projects, keys, invites and memberships go with it (ON DELETE CASCADE), in the caller's transaction. */
export async function deleteOrganization(db: Queryable, id: string): Promise<boolean> {
  const r = await db.query('DELETE FROM organizations WHERE id = $1', [id]);
  return (r.rowCount ?? 0) > 0;
}
