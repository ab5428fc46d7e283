import type { MemberRow, OrganizationRow } from '@somnus/db';
import type { Organization } from '@somnus/models';

/** Row → wire shapes of docs/protocol.md §6, in one place. */
export function presentOrganization(o: OrganizationRow): Organization {
  return {
    id: o.id,
    name: o.name,
    display_name: o.name,
    branding: { logo_url: '' },
    metadata: { organizationType: o.type, ownerAccountId: o.owner_account_id },
  };
}

export function presentMember(m: MemberRow) {
  return {
    user_id: m.account_id,
    picture: '',
    name: [m.first_name, m.last_name].filter(Boolean).join(' ') || m.email,
    email: m.email,
    role_name: m.role,
    created: m.created_at.toISOString(),
    lacks_keys: m.lacks_keys,
    fingerprint: m.key_fingerprint ?? '',
    // quarantined while the account's current key is not the one approved here (docs/protocol.md §6)
    keyStatus: m.approved_fingerprint !== null && m.approved_fingerprint === m.key_fingerprint ? ('approved' as const) : ('pending' as const),
  };
}

/** §6 list envelope. `next` is the query string of the next page, or '' on the last one. */
export function pageEnvelope(q: { page: number; per_page: number }, length: number, total: number) {
  const start = q.page * q.per_page;
  const more = start + length < total;
  return { start, limit: q.per_page, length, total, next: more ? `page=${q.page + 1}&per_page=${q.per_page}` : '' };
}
