import { findIncident, type IncidentRow, type OutboxRow, type Queryable } from '@somnus/db';
import { renderIncidentMail, renderInvitationMail, renderKeyChangedMail, renderPasswordCodeMail, renderResetCodeMail, renderReshareMail, renderVerificationMail, type RenderedMail } from '@somnus/runtime';

/**
 * Incidents never change once recorded: an instance keeps the last few it rendered instead of reading the
 * row again for each of its thousands of recipients.
 */
const incidentCache = new Map<string, Promise<IncidentRow | null>>();
const INCIDENT_CACHE_SIZE = 20;

function incidentOf(db: Queryable, id: string): Promise<IncidentRow | null> {
  let row = incidentCache.get(id);
  if (!row) {
    row = findIncident(db, id);
    incidentCache.set(id, row);
    // a miss is not kept (the row may not be visible yet), nor a failure
    void row.then((r) => r ?? incidentCache.delete(id), () => incidentCache.delete(id));
    if (incidentCache.size > INCIDENT_CACHE_SIZE) incidentCache.delete(incidentCache.keys().next().value!);
  }
  return row;
}

/** Why a row cannot be rendered: a retry would not change it, so the row fails. */
export class Unrenderable extends Error {}

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || v === '') throw new Unrenderable(`outbox data lacks ${what}`);
  return v;
};

/** The email of an outbox row, by its kind, through the one rendering module (packages/runtime/src/mail-render.ts). */
export async function renderOutboxMail(db: Queryable, row: OutboxRow, publicUrl: string): Promise<RenderedMail> {
  const data = row.data ?? {};
  const secret = (data.secret ?? {}) as Record<string, unknown>;
  switch (row.kind) {
    case 'incident': {
      const incident = row.incident_id ? await incidentOf(db, row.incident_id) : null;
      if (!incident) throw new Unrenderable('the incident is gone');
      return renderIncidentMail({
        incidentId: incident.id,
        title: incident.title,
        summary: incident.summary,
        details: incident.details,
        severity: incident.severity,
        postmortemUrl: incident.postmortem_url,
        createdAt: incident.created_at,
      });
    }
    case 'verification':
      return renderVerificationMail({ code: str(secret.code, 'the code'), link: `${publicUrl}/app/verify/?token=${str(secret.linkToken, 'the link token')}` });
    case 'password_code':
      return renderPasswordCodeMail({ code: str(secret.code, 'the code') });
    case 'reset_code':
    // a reset request that notify decided to send (resolve-reset-request.ts): the same email
    case 'reset_request':
      return renderResetCodeMail({ code: str(secret.code, 'the code') });
    case 'invitation':
      return renderInvitationMail({
        inviteId: str(data.inviteId, 'the invitation'),
        link: `${publicUrl}/app/invite/?invite=${str(secret.linkToken, 'the link token')}`,
        inviteeEmail: row.email,
        orgName: String(data.orgName ?? ''),
        inviterName: String(data.inviterName ?? ''),
        inviterEmail: String(data.inviterEmail ?? ''),
        role: str(data.role, 'the role'),
        expiresAt: str(data.expiresAt, 'the expiry'),
      });
    case 'reshare_keys':
      return renderReshareMail({
        memberEmail: str(data.memberEmail, 'the member'),
        orgId: str(data.orgId, 'the organization'),
        orgName: String(data.orgName ?? ''),
      });
    case 'key_changed':
      return renderKeyChangedMail({
        memberEmail: str(data.memberEmail, 'the member'),
        memberAccountId: str(data.memberAccountId, 'the member account'),
        fingerprint: str(data.fingerprint, 'the fingerprint'),
        orgId: str(data.orgId, 'the organization'),
        orgName: String(data.orgName ?? ''),
      });
    default:
      throw new Unrenderable(`no template for ${row.kind}`);
  }
}
