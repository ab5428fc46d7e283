import type { Queryable } from '../pool';
import type { MemberRole } from './organizations';

export interface MembershipRow {
  org_id: string;
  account_id: string;
  role: MemberRole;
  lacks_keys: boolean;
  /** the fingerprint of the key an owner or admin approved for this member here (joining approves the key of the moment) */
  approved_fingerprint: string | null;
  created_at: Date;
}

export interface MemberRow extends MembershipRow {
  email: string;
  first_name: string;
  last_name: string;
  /** the fingerprint of the account's current key; the member is quarantined here when it differs from approved_fingerprint */
  key_fingerprint: string | null;
}

/**
 * Joins: the database approves the account's current key (trigger memberships_approve_on_join), unless
 * `keyPending` asks to join quarantined (docs/protocol.md §6, key approval).
 */
export async function insertMembership(db: Queryable, m: { orgId: string; accountId: string; role: MemberRole; keyPending?: boolean }): Promise<void> {
  await db.query(
    `INSERT INTO memberships (org_id, account_id, role, approved_fingerprint) VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, account_id) DO NOTHING`,
    [m.orgId, m.accountId, m.role, m.keyPending ? 'pending' : null],
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
    `SELECT m.*, a.email, a.first_name, a.last_name, a.key_fingerprint, count(*) OVER () AS total
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

/**
 * The members of the org whose current key is approved there, with the public key their client stored
 * (clients wrap project keys for these), and the caller whatever the state of their key (their own key is
 * theirs to trust). A quarantined member is left out (docs/protocol.md §6, key approval), so the rule that a
 * new project's keys cover every member counts only approved members.
 */
export async function listMemberPublicKeys(db: Queryable, orgId: string, callerId: string): Promise<{ account_id: string; public_key: string }[]> {
  const { rows } = await db.query<{ account_id: string; public_key: string }>(
    `SELECT m.account_id, a.public_key FROM memberships m JOIN accounts a ON a.id = m.account_id
      WHERE m.org_id = $1 AND (m.approved_fingerprint = a.key_fingerprint OR m.account_id = $2)
      ORDER BY m.created_at, m.account_id`,
    [orgId, callerId],
  );
  return rows;
}

/** Those of `accountIds` that are members of the org whose current key is not the approved one. */
export async function quarantinedMembers(db: Queryable, orgId: string, accountIds: string[]): Promise<string[]> {
  if (accountIds.length === 0) return [];
  const { rows } = await db.query<{ account_id: string }>(
    `SELECT m.account_id FROM memberships m JOIN accounts a ON a.id = m.account_id
      WHERE m.org_id = $1 AND m.account_id = ANY($2::text[]) AND (m.approved_fingerprint = a.key_fingerprint) IS NOT TRUE
      ORDER BY m.account_id`,
    [orgId, accountIds],
  );
  return rows.map((r) => r.account_id);
}

/** A member's approved fingerprint and their account's current one, the row locked until the transaction ends. */
export async function lockMemberKeyState(
  db: Queryable,
  orgId: string,
  accountId: string,
): Promise<{ approved_fingerprint: string | null; key_fingerprint: string | null; email: string } | null> {
  const { rows } = await db.query<{ approved_fingerprint: string | null; key_fingerprint: string | null; email: string }>(
    `SELECT m.approved_fingerprint, a.key_fingerprint, a.email FROM memberships m JOIN accounts a ON a.id = m.account_id
      WHERE m.org_id = $1 AND m.account_id = $2 FOR UPDATE OF m`,
    [orgId, accountId],
  );
  return rows[0] ?? null;
}

/**
 * Whether the member's current key is the one approved in the org (not quarantined). An owner or admin whose
 * own key changed has no say over keys and invitations there until someone else approves it: whoever reset
 * their account would otherwise approve keys or invite accounts of their own (docs/key-authenticity.md).
 */
export async function memberKeyApproved(db: Queryable, orgId: string, accountId: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(
    `SELECT m.approved_fingerprint = a.key_fingerprint AS ok FROM memberships m JOIN accounts a ON a.id = m.account_id
      WHERE m.org_id = $1 AND m.account_id = $2`,
    [orgId, accountId],
  );
  return rows[0]?.ok === true;
}

/** Approves the member's current key (the guard trigger checks the caller and that it is the current key). */
export async function approveMemberKey(db: Queryable, orgId: string, accountId: string, fingerprint: string): Promise<void> {
  await db.query('UPDATE memberships SET approved_fingerprint = $3 WHERE org_id = $1 AND account_id = $2', [orgId, accountId, fingerprint]);
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
