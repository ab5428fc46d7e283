import { listOrgAuditEvents, type SessionRow } from '@somnus/db';
import type { PageQuery } from '@somnus/models';
import { inOrg } from '../org-access';
import { pageEnvelope } from '../present';

/** The seed's Session/Login Report: org events and members' logins, for owners and admins. */
export async function orgAuditEvents(session: SessionRow, orgId: string, q: PageQuery) {
  return inOrg(session, orgId, 'read:audit_log', async ({ tx }) => {
    const { rows, total } = await listOrgAuditEvents(tx, orgId, { offset: q.page * q.per_page, limit: q.per_page });
    return {
      events: rows.map((e) => ({
        id: e.id,
        type: e.type,
        actor: e.actor_id ? { accountId: e.actor_id, email: e.actor_email } : null,
        subject: e.subject,
        ip: e.ip,
        client: e.client,
        details: e.details,
        created: e.created_at.toISOString(),
      })),
      ...pageEnvelope(q, rows.length, total),
    };
  });
}
