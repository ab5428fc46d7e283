import { z } from 'zod';
import { aesMessageString, publicKeyString } from './key-material';
import { email, hexOf, personName, salt, serverId, srpVerifier, ID_PREFIX } from './primitives';

export const SRP_PROFILES = ['insomnia', 'rfc2945'] as const;
export type SrpProfileName = (typeof SRP_PROFILES)[number];

/** The secret of an emailed link: 256 random bits as 64 hex (docs/protocol.md §4.1); case does not matter. */
export const linkToken = z.string().trim().toLowerCase().regex(/^[0-9a-f]{64}$/, 'must be the 64-character token of the emailed link');

/** POST /auth/signup (docs/protocol.md §4.1). The client-proposed `id` is accepted but the server assigns its own. */
export const signupBody = z.object({
  email,
  firstName: personName,
  lastName: personName,
  id: z.string().regex(/^act_[0-9a-f]{64}$/).optional(),
  saltKey: salt,
  saltAuth: salt,
  saltEnc: salt,
  verifier: srpVerifier,
  publicKey: publicKeyString,
  encPrivateKey: aesMessageString,
  encSymmetricKey: aesMessageString,
  emailNewsletter: z.boolean().optional(),
  srpProfile: z.enum(SRP_PROFILES).default('insomnia'),
  /**
   * The token of an invitation email's link (docs/protocol.md §6): when it belongs to a live invitation
   * addressed to `email`, the account starts verified and no verification email is sent. Somnus extension.
   */
  inviteToken: linkToken.optional(),
});
export type SignupBody = z.infer<typeof signupBody>;
/** `isVerified` (Somnus extension): false until the address is verified (docs/protocol.md §4.1). */
export const signupResponse = z.object({ accountId: serverId(ID_PREFIX.account), email: z.string(), isVerified: z.boolean() });
export type SignupResponse = z.infer<typeof signupResponse>;

/**
 * POST /auth/verify with a session (docs/protocol.md §4.1): `{code}` from the verification email, or
 * `{inviteToken}` from an invitation email addressed to the account's email, verifies the address; no body
 * (or `{}`) sends the verification email again, as the "Resend Verification Email" button of Insomnia's
 * web app does.
 */
export const verifyBody = z
  .object({
    code: z.string().trim().min(1).max(64).optional(),
    inviteToken: linkToken.optional(),
  })
  .refine((b) => !(b.code && b.inviteToken), { message: 'send either code or inviteToken, not both' })
  .meta({ examples: [{ code: 'K7PMQ2XWHN' }, {}] });
export type VerifyBody = z.infer<typeof verifyBody>;

/**
 * GET /auth/verify, the link of an email (docs/protocol.md §4.1): `?token=` from a verification email
 * verifies its account; `?invite=` from an invitation email only says how to use it (opening it verifies
 * nothing: a link anyone's mail scanner may open must not verify an account someone else signed up).
 */
export const verifyQuery = z.object({ token: z.string().max(256).optional(), invite: z.string().max(256).optional() });
export const verifyResponse = z.object({ ok: z.literal(true), isVerified: z.boolean(), message: z.string() });
export type VerifyResponse = z.infer<typeof verifyResponse>;

export const loginSBody = z.object({ email });
export const loginSResponse = z.object({ saltKey: salt, saltAuth: salt });
export type LoginSResponse = z.infer<typeof loginSResponse>;

/**
 * A is exactly 512 lowercase hex, as srp-js (Insomnia) and secure-remote-password both send it: the group
 * size, so even length and nothing to pad. One rule for every email, so that the answer cannot tell an
 * account's SRP profile, or whether there is an account (docs/protocol.md §3).
 */
export const loginABody = z.object({ email, srpA: hexOf(512) });
/**
 * The longest sessionStarterId: `lss_` and base64url of the sealed handshake (docs/protocol.md §4.1), about
 * 850 bytes for the longest email. Clients treat it as an opaque string.
 */
export const LOGIN_STARTER_MAX_LENGTH = 1200;
export const loginStarterId = z
  .string()
  .max(LOGIN_STARTER_MAX_LENGTH)
  .regex(new RegExp(`^${ID_PREFIX.loginSession}_[A-Za-z0-9_-]+$`), 'must be a sessionStarterId from login-a');
export const loginAResponse = z.object({ sessionStarterId: loginStarterId, srpB: hexOf(512) });
export type LoginAResponse = z.infer<typeof loginAResponse>;

export const loginM1Body = z.object({
  // any string up to the longest starter: a malformed one is refused like an unknown one (LOGIN_SESSION_INVALID)
  sessionStarterId: z.string().max(LOGIN_STARTER_MAX_LENGTH),
  srpM1: hexOf(64),
  // WEB23 sends this; cookie sessions are not offered, so only `false` (or absent) is meaningful.
  useCookies: z.boolean().optional(),
});
export const loginM1Response = z.object({ srpM2: hexOf(64) });
export type LoginM1Response = z.infer<typeof loginM1Response>;

/** GET /auth/whoami — every field of docs/protocol.md §4.1 that clients read or type. */
export const whoamiResponse = z.object({
  sessionAge: z.number(),
  /** milliseconds since the epoch, as the client's WhoamiResponse types it (not an ISO string) */
  sessionExpiry: z.number().int(),
  accountId: z.string(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  /** milliseconds since the epoch, as the client types it */
  created: z.number().int(),
  publicKey: z.string(),
  encSymmetricKey: z.string(),
  encPrivateKey: z.string(),
  saltEnc: z.string(),
  isPaymentRequired: z.boolean(),
  isTrialing: z.boolean(),
  isVerified: z.boolean(),
  isAdmin: z.boolean(),
  trialEnd: z.string(),
  planName: z.string(),
  planId: z.string(),
  canManageTeams: z.boolean(),
  maxTeamMembers: z.number(),
  passwordSet: z.boolean(),
  canUnsetPassword: z.boolean(),
  unsubscribedFromEmails: z.boolean(),
});
export type WhoamiResponse = z.infer<typeof whoamiResponse>;

/** POST /auth/change-password, L22 variant (code) — the website variant with the old verifier is not offered. */
export const changePasswordBody = z.object({
  code: z.string().trim().min(1).max(64),
  newEmail: email,
  encSymmetricKey: aesMessageString,
  newVerifier: srpVerifier,
  newEncSymmetricKey: aesMessageString,
});
export type ChangePasswordBody = z.infer<typeof changePasswordBody>;

/** POST /auth/send-reset-code — no client has this call (docs/protocol.md §4.3); our SDK and CLI do. */
export const sendResetCodeBody = z.object({ email });
export type SendResetCodeBody = z.infer<typeof sendResetCodeBody>;

/**
 * POST /auth/reset — a forgotten passphrase: the emailed code plus entirely new salts, verifier and key
 * material, validated exactly as at signup (the old keys cannot be unwrapped, so nothing is re-wrapped).
 */
export const resetBody = signupBody
  .pick({ email: true, saltKey: true, saltAuth: true, saltEnc: true, verifier: true, publicKey: true, encPrivateKey: true, encSymmetricKey: true, srpProfile: true })
  .extend({ code: z.string().trim().min(1).max(64) });
export type ResetBody = z.infer<typeof resetBody>;

export const okResponse = z.object({ ok: z.literal(true) });

export const sessionSummary = z.object({
  id: serverId(ID_PREFIX.session),
  created: z.string(),
  lastUsed: z.string(),
  expires: z.string(),
  client: z.string().nullable(),
  ip: z.string().nullable(),
  current: z.boolean(),
});
export type SessionSummary = z.infer<typeof sessionSummary>;
export const sessionListResponse = z.object({ sessions: z.array(sessionSummary) });
export type SessionListResponse = z.infer<typeof sessionListResponse>;
