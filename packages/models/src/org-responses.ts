import { z } from 'zod';
import { PERMISSIONS, ROLES } from './roles';
import { page } from './organizations';

/**
 * Answers of the org, invite and project endpoints that only clients parse (the server builds them in
 * functions/invites). The SDK validates every answer against these before using it: the server is
 * not trusted, so a wrong shape must fail at the boundary.
 */

/** POST …/transfer-ownership */
export const transferOwnershipResponse = z.object({ ownerAccountId: z.string() });

/** POST …/{orgId}/invites (201) */
export const createInviteResponse = z.object({
  id: z.string(),
  inviteeEmail: z.string(),
  role: z.enum(ROLES),
  expiresAt: z.string(),
  emailSent: z.boolean(),
});
export type CreateInviteResponse = z.infer<typeof createInviteResponse>;

/** One pending invitation of an org (§6 `GET …/invites`, also the answer of `PATCH …/invites/{id}`). */
export const orgInvitation = z.object({
  id: z.string(),
  inviter: z.object({ name: z.string() }),
  invitee: z.object({ email: z.string() }),
  created_at: z.string(),
  expires_at: z.string(),
  roles: z.array(z.enum(ROLES)),
});
export type OrgInvitation = z.infer<typeof orgInvitation>;
export const orgInvitationList = z.object({ invitations: z.array(orgInvitation) });

/** GET /v1/invites: the caller's own pending invitations. */
export const myInvitation = z.object({
  id: z.string(),
  organization: z.object({ id: z.string(), name: z.string() }),
  inviter: z.object({ name: z.string(), email: z.string() }),
  role: z.enum(ROLES),
  created_at: z.string(),
  expires_at: z.string(),
});
export type MyInvitation = z.infer<typeof myInvitation>;
export const myInvitationList = z.object({ invitations: z.array(myInvitation) });

/** POST /v1/invites/{id}/accept; projectKeys = how many wrapped keys came with the invitation. */
export const acceptInviteResponse = z.object({ organizationId: z.string(), role: z.enum(ROLES), projectKeys: z.number().int().min(0) });
export type AcceptInviteResponse = z.infer<typeof acceptInviteResponse>;

/** A VCS project as GraphQL `projectCreate`, `project` and `projects` answer it (docs/protocol.md §5). */
export const projectResponse = z.object({ id: z.string(), name: z.string(), rootDocumentId: z.string() });
export type ProjectResponse = z.infer<typeof projectResponse>;

/** POST …/{orgId}/reconcile-keys: how many wrapped keys were stored. */
export const reconcileKeysResponse = z.object({ count: z.number().int().min(0) });

/** POST …/transfer-ownership: the member who becomes the owner. */
export const transferOwnershipBody = z.object({ accountId: z.string().max(64) });

/** GET /v1/organizations/roles */
export const roleList = z.array(z.object({ id: z.string(), name: z.enum(ROLES), description: z.string() }));

/** GET/PUT …/invite-policy: email domains the org invites; empty = any. */
export const invitePolicyResponse = z.object({ allowedDomains: z.array(z.string()) });

/** GET …/user-permissions: exactly the permission keys of the role model, each true or false. */
export const userPermissionsResponse = z.object(
  Object.fromEntries(PERMISSIONS.map((p) => [p, z.boolean()])) as Record<(typeof PERMISSIONS)[number], z.ZodBoolean>,
).strict();

/** GET …/audit-events: org events and members' logins, newest first. */
export const auditEvent = z.object({
  id: z.string(),
  type: z.string(),
  actor: z.object({ accountId: z.string(), email: z.string().nullable() }).nullable(),
  subject: z.string().nullable(),
  ip: z.string().nullable(),
  client: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  created: z.string(),
});
export const auditEventList = page.extend({ events: z.array(auditEvent) });
