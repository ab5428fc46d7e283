import type { Queryable } from '../pool';
import type { MemberRole } from './organizations';

export interface MembershipRow {
  org_id: string;
  account_id: string;
  role: MemberRole;
  lacks_keys: boolean;
  created_at: Date;
}

export interface MemberRow extends MembershipRow {
  email: string;
  first_name: string;
  last_name: string;
}

export async function insertMembership(db: Queryable, m: { orgId: string; accountId: string; role: MemberRole }): Promise<void> {
  await db.query(
    `INSERT INTO memberships (org_id, account_id, role) VALUES ($1, $2, $3) ON CONFLICT (org_id, account_id) DO NOTHING`,
    [m.orgId, m.accountId, m.role],
  );
}

export async function findMembership(db: Queryable, orgId: string, accountId: string): Promise<MembershipRow | null> {
  const { rows } = await db.query<MembershipRow>('SELECT * FROM memberships WHERE org_id = $1 AND account_id = $2', [orgId, accountId]);
  return rows[0] ?? null;
}

/** The membership row, locked until the transaction ends: role changes on one member are serialised. */
export async function lockMembership(db: Queryable, orgId: string, accountId: string): Promise<MembershipRow | null> {
  const { rows } = await db.query<MembershipRow>('SELECT * FROM memberships WHERE org_id = $1 AND account_id = $2 FOR UPDATE', [orgId, accountId]);
  return rows[0] ?? null;
}

export async function listMembers(
  db: Queryable,
  orgId: string,
  q: { offset: number; limit: number; email?: string },
): Promise<{ rows: MemberRow[]; total: number }> {
  const { rows } = await db.query<MemberRow & { total: string }>(
    `SELECT m.*, a.email, a.first_name, a.last_name, count(*) OVER () AS total
       FROM memberships m JOIN accounts a ON a.id = m.account_id
      WHERE m.org_id = $1 AND ($2::text IS NULL OR a.email = $2)
      ORDER BY m.created_at, m.account_id
      OFFSET $3 LIMIT $4`,
    [orgId, q.email ?? null, q.offset, q.limit],
  );
  return { rows, total: rows[0] ? Number(rows[0].total) : 0 };
}

export async function countMembers(db: Queryable, orgId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM memberships WHERE org_id = $1', [orgId]);
  return Number(rows[0]?.n ?? 0);
}

export async function updateMemberRole(db: Queryable, orgId: string, accountId: string, role: MemberRole): Promise<void> {
  await db.query('UPDATE memberships SET role = $3 WHERE org_id = $1 AND account_id = $2', [orgId, accountId, role]);
}

/** Removes a member and, in the same statement's transaction, every wrapped key they held in the org. */
export async function deleteMembership(db: Queryable, orgId: string, accountId: string): Promise<boolean> {
  await db.query('DELETE FROM project_keys WHERE org_id = $1 AND account_id = $2', [orgId, accountId]);
  const r = await db.query('DELETE FROM memberships WHERE org_id = $1 AND account_id = $2', [orgId, accountId]);
  return (r.rowCount ?? 0) > 0;
}

/** Everyone who holds a seat of the org: its members and the addresses of live pending invitations. */
export async function seatHolderEmails(db: Queryable, orgId: string): Promise<Set<string>> {
  const { rows } = await db.query<{ email: string }>(
    `SELECT a.email FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.org_id = $1
     UNION SELECT invitee_email FROM invites WHERE org_id = $1 AND status = 'pending' AND expires_at > now()`,
    [orgId],
  );
  return new Set(rows.map((r) => r.email));
}

/** Every member of the org with the public key their client stored (clients wrap project keys for these). */
export async function listMemberPublicKeys(db: Queryable, orgId: string): Promise<{ account_id: string; public_key: string }[]> {
  const { rows } = await db.query<{ account_id: string; public_key: string }>(
    `SELECT m.account_id, a.public_key FROM memberships m JOIN accounts a ON a.id = m.account_id
      WHERE m.org_id = $1 ORDER BY m.created_at, m.account_id`,
    [orgId],
  );
  return rows;
}

/** The account's orgs, all of them (its own memberships are visible without an org context). */
export async function listOrgsOfAccount(db: Queryable, accountId: string): Promise<{ id: string; name: string; type: 'personal' | 'team'; storage_rule: string }[]> {
  const { rows } = await db.query<{ id: string; name: string; type: 'personal' | 'team'; storage_rule: string }>(
    `SELECT o.id, o.name, o.type, o.storage_rule FROM memberships m JOIN organizations o ON o.id = m.org_id
      WHERE m.account_id = $1 ORDER BY (o.type = 'personal') DESC, o.created_at, o.id`,
    [accountId],
  );
  return rows;
}
