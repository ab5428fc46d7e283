import type { Queryable } from '../pool';

export type OrgEventType =
  | 'org.created'
  | 'org.renamed'
  | 'invite.sent'
  | 'invite.accepted'
  | 'invite.declined'
  | 'invite.revoked'
  | 'invite.updated'
  | 'member.removed'
  | 'member.left'
  | 'member.role_changed'
  | 'member.keys_reset'
  | 'member.key_approved'
  | 'keys.shared'
  | 'owner.transferred'
  | 'storage_rule.changed'
  | 'invite_policy.changed'
  | 'team_project.created'
  | 'team_project.renamed'
  | 'team_project.deleted'
  | 'project.created'
  | 'project.archived'
  | 'branch.removed'
  | 'project.shared'
  | 'project.unshared';

export async function recordOrgEvent(
  db: Queryable,
  e: { orgId: string; actorId: string | null; type: OrgEventType; subject?: string | null; ip?: string | null; details?: Record<string, unknown> },
): Promise<void> {
  await db.query(
    `INSERT INTO org_audit_events (org_id, actor_id, type, subject, ip, details) VALUES ($1, $2, $3, $4, $5, $6)`,
    [e.orgId, e.actorId, e.type, e.subject ?? null, e.ip ?? null, JSON.stringify(e.details ?? {})],
  );
}

export interface OrgAuditEntry {
  id: string;
  type: string;
  actor_id: string | null;
  actor_email: string | null;
  subject: string | null;
  ip: string | null;
  client: string | null;
  details: Record<string, unknown>;
  created_at: Date;
}

/**
 * The org's events merged with its current members' login events (the org's login report, docs/protocol.md §6 audit-events),
 * newest first. Logins are recorded once per account and joined here, not copied into every org.
 */
export async function listOrgAuditEvents(
  db: Queryable,
  orgId: string,
  page: { offset: number; limit: number },
): Promise<{ rows: OrgAuditEntry[]; total: number }> {
  const { rows } = await db.query<OrgAuditEntry & { total: string }>(
    `WITH merged AS (
       SELECT 'o' || e.id AS id, e.type, e.actor_id, e.subject, e.ip, NULL::text AS client, e.details, e.created_at
         FROM org_audit_events e WHERE e.org_id = $1
       UNION ALL
       SELECT 'a' || e.id, e.type, e.account_id, NULL, e.ip, e.client, '{}'::jsonb, e.created_at
         FROM account_audit_events e JOIN memberships m ON m.account_id = e.account_id AND m.org_id = $1
        WHERE e.type IN ('login.succeeded', 'login.failed', 'session.logout') AND e.created_at >= m.created_at
     )
     SELECT merged.*, a.email AS actor_email, count(*) OVER () AS total
       FROM merged LEFT JOIN accounts a ON a.id = merged.actor_id
      ORDER BY merged.created_at DESC, merged.id DESC
      OFFSET $2 LIMIT $3`,
    [orgId, page.offset, page.limit],
  );
  return { rows, total: rows[0] ? Number(rows[0].total) : 0 };
}
