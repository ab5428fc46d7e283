import { z } from 'zod';
import { ROLES } from './roles';
import { email } from './primitives';

/** Org = docs/protocol.md §6. The personal org is how clients find "their" workspace. */
export const organization = z.object({
  id: z.string(),
  name: z.string(),
  display_name: z.string(),
  branding: z.object({ logo_url: z.string() }),
  metadata: z.object({ organizationType: z.enum(['personal', 'team']), ownerAccountId: z.string() }),
});
export type Organization = z.infer<typeof organization>;

/** §6 list envelope: `{<items>, start, limit, length, total, next}`. */
export const page = z.object({ start: z.number(), limit: z.number(), length: z.number(), total: z.number(), next: z.string() });
export const organizationList = page.extend({ organizations: z.array(organization) });
export type OrganizationList = z.infer<typeof organizationList>;

/** `?page=&per_page=` (members, orgs) — page is 0-based like Auth0's management API the client mirrors. */
export const pageQuery = z.object({
  page: z.coerce.number().int().min(0).max(100_000).default(0),
  per_page: z.coerce.number().int().min(1).max(100).default(50),
});
export type PageQuery = z.infer<typeof pageQuery>;

export const orgName = z.string().trim().min(1, 'name is required').max(100);
export const createOrganizationBody = z.object({ name: orgName }).meta({ examples: [{ name: 'Acme' }] });
export const updateOrganizationBody = z.object({ name: orgName }).meta({ examples: [{ name: 'Acme Inc.' }] });

export const roleInfo = z.object({ id: z.string(), name: z.enum(ROLES), description: z.string() });
export const memberRole = z.object({ roleId: z.string(), name: z.enum(ROLES), description: z.string() });
export const updateMemberRolesBody = z
  .object({ roles: z.array(z.string().max(40)).length(1, 'exactly one role') })
  .meta({ examples: [{ roles: ['role_admin'] }] });

export const member = z.object({
  user_id: z.string(),
  picture: z.string(),
  name: z.string(),
  email: z.string(),
  role_name: z.enum(ROLES),
  created: z.string(),
  lacks_keys: z.boolean(),
  /** the fingerprint of the member's current key (packages/models/src/fingerprint.ts); '' if it has none */
  fingerprint: z.string(),
  /** 'pending': the key changed since an owner or admin approved one here: quarantined (docs/protocol.md §6) */
  keyStatus: z.enum(['approved', 'pending']),
});
export type Member = z.infer<typeof member>;
export const memberList = page.extend({ members: z.array(member) });
export type MemberList = z.infer<typeof memberList>;
/** POST …/members/{accountId}/approve-key: the fingerprint the approver compared with the member out of band. */
export const approveKeyBody = z
  .object({
    fingerprint: z
      .string()
      .max(100)
      .refine((s) => /^\d{30}$/.test(s.replace(/[\s-]/g, '')), 'fingerprint must be 30 digits, as 6 groups of 5'),
  })
  .meta({ examples: [{ fingerprint: '01234 56789 01234 56789 01234 56789' }] });
export type ApproveKeyBody = z.infer<typeof approveKeyBody>;
export const approveKeyResponse = z.object({ accountId: z.string(), fingerprint: z.string(), keyStatus: z.literal('approved') });
export type ApproveKeyResponse = z.infer<typeof approveKeyResponse>;

export const membersQuery = pageQuery.extend({ email: z.string().max(254).optional() });

export const STORAGE_RULES = ['cloud_plus_local', 'cloud_only', 'local_only'] as const;
export const storageRuleResponse = z.object({ storage: z.enum(STORAGE_RULES), isOverridden: z.boolean() });
export const storageRuleBody = z.object({ storage: z.enum(STORAGE_RULES) }).meta({ examples: [{ storage: 'local_only' }] });

export const featuresResponse = z.object({
  features: z.object({
    gitSync: z.object({ enabled: z.boolean(), reason: z.string().optional() }),
    orgBasicRbac: z.object({ enabled: z.boolean(), reason: z.string().optional() }),
    cloudSync: z.object({ enabled: z.boolean(), reason: z.string().optional() }),
    localVault: z.object({ enabled: z.boolean(), reason: z.string().optional() }),
  }),
});

export const checkSeatsBody = z.object({ emails: z.array(email).max(100) }).meta({ examples: [{ emails: ['new.hire@example.com'] }] });
export const checkSeatsResponse = z.object({ isAllowed: z.boolean() });

export const teamProject = z.object({ id: z.string(), name: z.string() });
export const teamProjectList = z.object({ data: z.array(teamProject) });
export const teamProjectBody = z.object({ name: orgName }).meta({ examples: [{ name: 'Payments API' }] });

/** Invite Controls (seed): email domains an org accepts invites for; empty = any. */
export const invitePolicyBody = z.object({
  allowedDomains: z.array(z.string().trim().toLowerCase().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'must be a domain')).max(50),
}).meta({ examples: [{ allowedDomains: ['example.com'] }] });
