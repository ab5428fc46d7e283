import { listOrgAuditEvents } from '@somnus/db';
import type { PageQuery } from '@somnus/models';
import { ok, orgTransaction, type OrgActor } from '@somnus/runtime';
import type { InvitesDeps } from '../deps';
import { pageEnvelope } from '../present';

/** The seed's Session/Login Report: org events and members' logins, for owners and admins. */
export async function orgAuditEvents(deps: InvitesDeps, actor: OrgActor, q: PageQuery) {
  return orgTransaction(deps.db, actor, async (tx) => {
    const { rows, total } = await listOrgAuditEvents(tx, actor.orgId, { offset: q.page * q.per_page, limit: q.per_page });
    return ok({
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
    });
  });
}
