/**
 * Signup (docs/protocol.md §4.1 "POST /auth/signup"): all key material is made here, on the client;
 * the server receives only salts, the verifier, the public key and the two wrapped keys.
 */
import { normalizeEmail } from '@somnus/crypto';
import { ROUTES, signupResponse, type SignupBody } from '@somnus/models';
import { DEFAULT_SRP_PROFILE, type SrpProfile } from '@somnus/srp';
import type { HttpClient } from '../http';
import { newAccountCredentials } from './account-credentials';
import { routePath } from './route';

export interface SignupInput {
  email: string;
  passphrase: string;
  firstName?: string;
  lastName?: string;
  /** SRP dialect the account will log in with; `insomnia` unless a client needs RFC 2945 proofs. */
  srpProfile?: SrpProfile;
}

export interface SignupResult {
  accountId: string;
  email: string;
  srpProfile: SrpProfile;
}

const SIGNUP = routePath('POST', '/auth/signup', ROUTES);

export async function signup(http: HttpClient, input: SignupInput): Promise<SignupResult> {
  const srpProfile = input.srpProfile ?? DEFAULT_SRP_PROFILE;
  // The identity hashed into the verifier must be the same string login will use, so normalise once here.
  const email = normalizeEmail(input.email);
  const credentials = await newAccountCredentials(input.passphrase, email, srpProfile);

  const body: SignupBody = {
    email,
    firstName: input.firstName?.trim() ?? '',
    lastName: input.lastName?.trim() ?? '',
    ...credentials,
    srpProfile,
  };
  const res = await http.request({ method: 'POST', path: SIGNUP, schema: signupResponse, body });
  return { accountId: res.accountId, email: res.email, srpProfile };
}
