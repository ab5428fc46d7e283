/**
 * Signup (docs/protocol.md §4.1 "POST /auth/signup"): all key material is made here, on the client;
 * the server receives only salts, the verifier, the public key and the two wrapped keys.
 */
import { normalizeEmail } from '@somnus/crypto';
import type { RouteBody, RouteByKey } from '@somnus/models';
import { DEFAULT_SRP_PROFILE, type SrpProfile } from '@somnus/srp';
import type { HttpClient } from '../http';
import { newAccountCredentials } from './account-credentials';

export interface SignupInput {
  email: string;
  passphrase: string;
  firstName?: string;
  lastName?: string;
  /** SRP dialect the account will log in with; `insomnia` unless a client needs RFC 2945 proofs. */
  srpProfile?: SrpProfile;
  /** The link of an invitation email to this address (or its token): the account starts verified. */
  invite?: string;
}

/**
 * The token of an invitation link (`…/app/invite/?invite=<64 hex>`), or the token itself. Refused here
 * when it is neither, so a mistyped link is not sent as a token.
 */
export function inviteTokenFrom(linkOrToken: string): string {
  const text = linkOrToken.trim();
  const token = /^[0-9a-fA-F]{64}$/.test(text) ? text : /[?&]invite=([0-9a-fA-F]{64})(?:[&#]|$)/.exec(text)?.[1];
  if (!token) throw new TypeError('not an invitation link: expected …/app/invite/?invite=<64 hex characters>');
  return token.toLowerCase();
}

export interface SignupResult {
  accountId: string;
  email: string;
  srpProfile: SrpProfile;
  /** false until the address is verified: the server has emailed a link and a code (docs/protocol.md §4.1) */
  isVerified: boolean;
}

export async function signup(http: HttpClient, input: SignupInput): Promise<SignupResult> {
  const srpProfile = input.srpProfile ?? DEFAULT_SRP_PROFILE;
  // The identity hashed into the verifier must be the same string login will use, so normalise once here.
  const email = normalizeEmail(input.email);
  const credentials = await newAccountCredentials(input.passphrase, email, srpProfile);

  const body: RouteBody<RouteByKey<'POST /auth/signup'>> = {
    email,
    firstName: input.firstName?.trim() ?? '',
    lastName: input.lastName?.trim() ?? '',
    ...credentials,
    srpProfile,
    ...(input.invite ? { inviteToken: inviteTokenFrom(input.invite) } : {}),
  };
  const res = await http.call('POST /auth/signup', { body });
  return { accountId: res.accountId, email: res.email, srpProfile, isVerified: res.isVerified };
}
