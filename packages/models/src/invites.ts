import { z } from 'zod';
import { email, hexOf, serverId } from './primitives';

/**
 * Wire shapes of invites and key sharing (docs/protocol.md §6 "Invite and key-sharing flow"). The server
 * stores wrapped keys it cannot open; it checks their shape only.
 */

/** A project key RSA-OAEP-wrapped for one member's 2048-bit public key (docs/architecture.md §7). */
export const wrappedProjectKey = hexOf(512);
/** Client-chosen VCS project id: `prj_` + 32 lowercase hex (Insomnia's generateId('prj')). */
export const projectId = z.string().regex(/^prj_[0-9a-f]{32}$/, 'must be prj_ followed by 32 lowercase hex');
export const accountId = serverId('acct');
export const invitationId = serverId('inv');

/** Body lists of wrapped keys are bounded by count and by bytes (~600 bytes per key). */
export const MAX_KEYS_PER_REQUEST = 1000;
export const KEYS_BODY_LIMIT = 1024 * 1024;

export const inviteInstructionsBody = z.object({ inviteeEmail: email }).meta({ examples: [{ inviteeEmail: 'bob@example.com' }] });

export const inviteKeyInput = z.object({
  projectId,
  encSymmetricKey: wrappedProjectKey,
  autoLinked: z.boolean().default(false),
});

export const createInviteBody = z.object({
  /** '' (or absent) when the email has no account yet: keys follow through reconcile-keys. */
  inviteeId: z.union([z.literal(''), accountId]).optional(),
  inviteeEmail: email,
  inviteKeys: z.array(inviteKeyInput).max(MAX_KEYS_PER_REQUEST).default([]),
  /** role id (`role_admin`) or name; default member. Insomnia PATCHes the role afterwards instead. */
  role: z.string().max(40).optional(),
}).meta({ examples: [{ inviteeEmail: 'bob@example.com', role: 'role_member' }] });
export type CreateInviteBody = z.infer<typeof createInviteBody>;

export const reconcileKeysBody = z.object({
  keys: z.array(z.object({ projectId, accountId, encSymmetricKey: wrappedProjectKey })).max(MAX_KEYS_PER_REQUEST),
});
export type ReconcileKeysBody = z.infer<typeof reconcileKeysBody>;

export const inviteInstructions = z.object({
  inviteeId: z.string(),
  inviteeEmail: z.string(),
  inviteePublicKey: z.string(),
  inviteeAutoLinked: z.boolean(),
  inviteKeys: z.array(z.object({ projectId: z.string(), encSymmetricKey: z.string(), autoLinked: z.boolean() })),
});

export const myProjectKeys = z.object({
  projectKeys: z.array(z.object({ projectId: z.string(), encKey: z.string() })),
  members: z.array(z.object({ accountId: z.string(), projectId: z.string(), publicKey: z.string() })),
});
