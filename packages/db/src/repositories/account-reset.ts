import type { Queryable } from '../pool';
import type { MemberRole, OrgType } from './organizations';

/**
 * The statements of an account reset after a forgotten passphrase (issue 3; docs/protocol.md §4.3).
 * They run in the reset's one transaction; the comment on each says which tenant context it needs.
 */

/** New salts, verifier and key material: what signup stored, replaced wholesale. */
export async function replaceAccountKeyMaterial(
  db: Queryable,
  id: string,
  m: {
    srpProfile: 'insomnia' | 'rfc2945';
    saltKey: string;
    saltAuth: string;
    saltEnc: string;
    verifier: string;
    publicKey: string;
    encPrivateKey: string;
    encSymmetricKey: string;
  },
): Promise<void> {
  await db.query(
    `UPDATE accounts SET srp_profile = $2, salt_key = $3, salt_auth = $4, salt_enc = $5, verifier = $6,
                         public_key = $7, enc_private_key = $8, enc_symmetric_key = $9, updated_at = now()
      WHERE id = $1`,
    [id, m.srpProfile, m.saltKey, m.saltAuth, m.saltEnc, m.verifier, m.publicKey, m.encPrivateKey, m.encSymmetricKey],
  );
}

export interface AccountOrgMembership {
  org_id: string;
  org_name: string;
  org_type: OrgType;
  role: MemberRole;
}

/** Every org of the account. Context: the account (own memberships and orgs one belongs to are visible). */
export async function listAccountOrgMemberships(db: Queryable, accountId: string): Promise<AccountOrgMembership[]> {
  const { rows } = await db.query<AccountOrgMembership>(
    `SELECT m.org_id, o.name AS org_name, o.type AS org_type, m.role
       FROM memberships m JOIN organizations o ON o.id = m.org_id
      WHERE m.account_id = $1
      ORDER BY m.org_id`,
    [accountId],
  );
  return rows;
}

/**
 * Deletes the org's projects that nobody but this account could decrypt: it held a key (or, in its personal
 * org, any project) and no other account holds one. Their snapshots and blobs would be ciphertext under a
 * key that no longer exists anywhere. Context: the account with `orgId` (other members' keys are visible).
 */
export async function deleteProjectsOnlyAccountCouldDecrypt(
  db: Queryable,
  orgId: string,
  accountId: string,
  opts: { personalOrg: boolean },
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `DELETE FROM projects p
      WHERE p.org_id = $1
        AND ($3::boolean OR EXISTS (SELECT 1 FROM project_keys k WHERE k.project_id = p.id AND k.account_id = $2))
        AND NOT EXISTS (SELECT 1 FROM project_keys k WHERE k.project_id = p.id AND k.account_id <> $2)
      RETURNING p.id`,
    [orgId, accountId, opts.personalOrg],
  );
  return rows.map((r) => r.id);
}

/** Every wrapped project key of the account, in all orgs. Context: the account (own rows need no org). */
export async function deleteAllProjectKeysOf(db: Queryable, accountId: string): Promise<number> {
  const r = await db.query('DELETE FROM project_keys WHERE account_id = $1', [accountId]);
  return r.rowCount ?? 0;
}

/**
 * Keys wrapped for the account's old public key on invites it has not accepted yet: after the reset it
 * could never unwrap them. Accepting such an invite then leaves it lacking keys, for an admin to re-share.
 * Context: the account with its email (invitees see their own invites).
 */
export async function deletePendingInviteKeysFor(db: Queryable, email: string): Promise<number> {
  const r = await db.query(
    `DELETE FROM invite_keys WHERE invite_id IN (SELECT id FROM invites WHERE invitee_email = $1 AND status = 'pending')`,
    [email],
  );
  return r.rowCount ?? 0;
}

/** The member keeps their seat and role; `my-project-keys` lists them for an admin to re-share. Context: the account with `orgId`. */
export async function markMembershipLacksKeys(db: Queryable, orgId: string, accountId: string): Promise<void> {
  await db.query('UPDATE memberships SET lacks_keys = true WHERE org_id = $1 AND account_id = $2', [orgId, accountId]);
}

/**
 * Who can re-share keys in the org and is mailed about it: its owners and admins other than
 * `exceptAccountId`, with a verified address (mail to an unverified one is limited to what its own
 * session asks for: docs/protocol.md §4.1). Context: the account with `orgId`.
 */
export async function listOrgAdmins(db: Queryable, orgId: string, exceptAccountId: string): Promise<{ account_id: string; email: string }[]> {
  const { rows } = await db.query<{ account_id: string; email: string }>(
    `SELECT m.account_id, a.email
       FROM memberships m JOIN accounts a ON a.id = m.account_id
      WHERE m.org_id = $1 AND m.role IN ('owner', 'admin') AND m.account_id <> $2 AND a.email_verified_at IS NOT NULL
      ORDER BY m.created_at, m.account_id`,
    [orgId, exceptAccountId],
  );
  return rows;
}
