import type { SessionRow } from '@somnus/db';
import type { Access, Permission, Role } from '@somnus/models';

/** Where a request came from; recorded in audit events and shown in the session list. */
export interface RequestMeta {
  requestId: string;
  ip: string | null;
  client: string | null;
}

/** Anyone: the caller of a `public` route. */
export interface Anonymous {
  meta: RequestMeta;
}

/** The caller of a `session` route: a live session of an existing account. */
export interface SessionActor extends Anonymous {
  accountId: string;
  /** normalised email: part of the tenant context (an invitee sees invites addressed to it) */
  email: string;
  /** whether the holder showed they read that mailbox (docs/protocol.md §4.1); until then it proves nothing */
  emailVerified: boolean;
  session: SessionRow;
}

/** The caller of an org route: a member of the org in the path whose role has the route's permission. */
export interface OrgActor extends SessionActor {
  orgId: string;
  role: Role;
  /** what the route needs; re-checked inside the use case's transaction (orgTransaction) */
  permission: Permission;
}

export type ActorFor<A extends Access> = A extends 'public' ? Anonymous : A extends 'session' ? SessionActor : OrgActor;

/**
 * The tenant context RLS reads for this caller (docs/architecture.md §4.3). The email goes in only once it
 * is verified: RLS lets `app.email` see the invitations addressed to it, and an address anyone can sign
 * up with must not (docs/protocol.md §6). The use cases refuse unverified invitees first; this is the
 * second line.
 */
export function tenantOf(actor: SessionActor | OrgActor): { accountId: string; email: string; orgId?: string } {
  const email = actor.emailVerified ? actor.email : '';
  return 'orgId' in actor ? { accountId: actor.accountId, email, orgId: actor.orgId } : { accountId: actor.accountId, email };
}

/** The request facts an audit event records. */
export const auditMeta = (actor: Anonymous): { ip: string | null; client: string | null } => ({ ip: actor.meta.ip, client: actor.meta.client });
