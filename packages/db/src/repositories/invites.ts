import type { Queryable } from '../pool';
import type { MemberRole } from './organizations';

export type InviteStatus = 'pending' | 'accepted' | 'declined' | 'revoked' | 'expired';
export type InviteRole = Exclude<MemberRole, 'owner'>;

export interface InviteRow {
  id: string;
  org_id: string;
  inviter_account_id: string | null;
  invitee_email: string;
  role: InviteRole;
  status: InviteStatus;
  created_at: Date;
  expires_at: Date;
  responded_at: Date | null;
  /** keyed hash of the token in the invitation email's link (null: made before links carried one) */
  link_token_hash: Buffer | null;
}

export interface InviteListRow extends InviteRow {
  inviter_name: string;
  inviter_email: string | null;
}

export interface MyInviteRow extends InviteListRow {
  org_name: string;
}

/** The inviter's display name: "First Last", or their email when they gave no name. */
const INVITER = `coalesce(nullif(trim(concat_ws(' ', a.first_name, a.last_name)), ''), a.email, '') AS inviter_name, a.email AS inviter_email`;

export async function insertInvite(
  db: Queryable,
  i: { id: string; orgId: string; inviterId: string; email: string; role: InviteRole; expiresAt: Date; linkTokenHash: Buffer },
): Promise<void> {
  await db.query(
    `INSERT INTO invites (id, org_id, inviter_account_id, invitee_email, role, expires_at, link_token_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [i.id, i.orgId, i.inviterId, i.email, i.role, i.expiresAt, i.linkTokenHash],
  );
}

/**
 * The stored hash of the live invitation to `email` whose link token hashes to `tokenHash`, or null: the
 * token proves the address only while its invitation can still be answered. Under the caller's context
 * RLS shows only invitations to the context's email (docs/architecture.md §4.4).
 */
export async function findLiveInviteTokenHash(db: Queryable, email: string, tokenHash: Buffer): Promise<Buffer | null> {
  const { rows } = await db.query<{ link_token_hash: Buffer }>(
    `SELECT link_token_hash FROM invites
      WHERE link_token_hash = $1 AND invitee_email = $2 AND status = 'pending' AND expires_at > now()`,
    [tokenHash, email],
  );
  return rows[0]?.link_token_hash ?? null;
}

export async function insertInviteKeys(
  db: Queryable,
  orgId: string,
  inviteId: string,
  keys: { projectId: string; encSymmetricKey: string; autoLinked: boolean }[],
): Promise<void> {
  if (keys.length === 0) return;
  await db.query(
    `INSERT INTO invite_keys (org_id, invite_id, project_id, enc_symmetric_key, auto_linked)
     SELECT $1, $2, k.project_id, k.enc_symmetric_key, k.auto_linked
       FROM unnest($3::text[], $4::text[], $5::boolean[]) AS k(project_id, enc_symmetric_key, auto_linked)`,
    [orgId, inviteId, keys.map((k) => k.projectId), keys.map((k) => k.encSymmetricKey), keys.map((k) => k.autoLinked)],
  );
}

/** Row-locked, so that accept, decline, revoke and role changes of one invite serialise. RLS decides who sees it. */
/** The org an invitation belongs to, without locking it: to take the org's lock before the invite's. */
export async function findInviteOrgId(db: Queryable, id: string): Promise<string | null> {
  const { rows } = await db.query<{ org_id: string }>('SELECT org_id FROM invites WHERE id = $1', [id]);
  return rows[0]?.org_id ?? null;
}

export async function lockInvite(db: Queryable, id: string): Promise<InviteRow | null> {
  const { rows } = await db.query<InviteRow>('SELECT * FROM invites WHERE id = $1 FOR UPDATE', [id]);
  return rows[0] ?? null;
}

export async function findInviteInOrg(db: Queryable, orgId: string, id: string): Promise<InviteRow | null> {
  const { rows } = await db.query<InviteRow>('SELECT * FROM invites WHERE org_id = $1 AND id = $2 FOR UPDATE', [orgId, id]);
  return rows[0] ?? null;
}

export async function findPendingInvite(db: Queryable, orgId: string, email: string): Promise<InviteRow | null> {
  const { rows } = await db.query<InviteRow>(
    `SELECT * FROM invites WHERE org_id = $1 AND invitee_email = $2 AND status = 'pending'`,
    [orgId, email],
  );
  return rows[0] ?? null;
}

export async function setInviteStatus(db: Queryable, id: string, status: Exclude<InviteStatus, 'pending'>): Promise<void> {
  await db.query('UPDATE invites SET status = $2, responded_at = now() WHERE id = $1', [id, status]);
}

export async function setInviteRole(db: Queryable, id: string, role: InviteRole): Promise<void> {
  await db.query('UPDATE invites SET role = $2 WHERE id = $1', [id, role]);
}

/** Pending, unexpired invitations of an org, oldest first. */
export async function listPendingInvites(db: Queryable, orgId: string): Promise<InviteListRow[]> {
  const { rows } = await db.query<InviteListRow>(
    `SELECT i.*, ${INVITER}
       FROM invites i LEFT JOIN accounts a ON a.id = i.inviter_account_id
      WHERE i.org_id = $1 AND i.status = 'pending' AND i.expires_at > now()
      ORDER BY i.created_at, i.id`,
    [orgId],
  );
  return rows;
}

/** The live invitations addressed to an email, across orgs (RLS: the invitee email clause). */
export async function listPendingInvitesFor(db: Queryable, email: string): Promise<MyInviteRow[]> {
  const { rows } = await db.query<MyInviteRow>(
    `SELECT i.*, o.name AS org_name, ${INVITER}
       FROM invites i
       JOIN organizations o ON o.id = i.org_id
       LEFT JOIN accounts a ON a.id = i.inviter_account_id
      WHERE i.invitee_email = $1 AND i.status = 'pending' AND i.expires_at > now()
      ORDER BY i.created_at, i.id`,
    [email],
  );
  return rows;
}

/**
 * Seats in use: distinct emails of members and of live pending invitations, and whether `email` is
 * already one of them (then inviting it takes no new seat).
 */
export async function seatsInUse(db: Queryable, orgId: string, email: string): Promise<{ used: number; includesEmail: boolean }> {
  const { rows } = await db.query<{ used: string; includes_email: boolean }>(
    `WITH taken AS (
       SELECT a.email FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.org_id = $1
       UNION
       SELECT invitee_email FROM invites WHERE org_id = $1 AND status = 'pending' AND expires_at > now()
     )
     SELECT count(*) AS used, coalesce(bool_or(email = $2), false) AS includes_email FROM taken`,
    [orgId, email],
  );
  return { used: Number(rows[0]?.used ?? 0), includesEmail: rows[0]?.includes_email ?? false };
}

/** Serialises invitations to one org, so that two concurrent invites cannot both take the last seat. */
export async function lockOrganizationForInvites(db: Queryable, orgId: string): Promise<void> {
  await db.query('SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE', [orgId]);
}
