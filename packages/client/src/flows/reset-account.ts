/**
 * Account reset after a forgotten passphrase (docs/protocol.md §4.3 and §11, issue 3). Without the passphrase the
 * old account key cannot be opened, so nothing is re-wrapped: the client makes entirely new salts,
 * verifier and key pair, exactly as at signup, and sends them with the emailed code. The server then
 * drops every wrapped project key of the account and every session; team memberships stay, marked
 * as lacking keys, until an admin re-shares (SomnusClient.reshareKeys / `somnus org reshare`).
 */
import { CryptoError, normalizeEmail, normalizePassphrase } from '@somnus/crypto';
import type { RouteBody, RouteByKey } from '@somnus/models';
import { DEFAULT_SRP_PROFILE, type SrpProfile } from '@somnus/srp';
import type { HttpClient } from '../http';
import { newAccountCredentials } from './account-credentials';

export interface ResetAccountInput {
  email: string;
  /** The code from the email sent by POST /auth/send-reset-code. */
  code: string;
  newPassphrase: string;
  /** SRP dialect of the new verifier; the account logs in with it from now on. */
  srpProfile?: SrpProfile;
}

export interface ResetAccountResult {
  email: string;
  srpProfile: SrpProfile;
}

/** Always answered 200 by the server, whether or not the account exists (no account probing). */
export async function sendResetCode(http: HttpClient, rawEmail: string): Promise<void> {
  const email = normalizeEmail(rawEmail);
  if (!email) throw new CryptoError('Email must not be empty');
  await http.call('POST /auth/send-reset-code', { body: { email } });
}

export async function resetAccount(http: HttpClient, input: ResetAccountInput): Promise<ResetAccountResult> {
  const srpProfile = input.srpProfile ?? DEFAULT_SRP_PROFILE;
  const email = normalizeEmail(input.email);
  const code = input.code.trim();
  if (!email) throw new CryptoError('Email must not be empty');
  if (!code) throw new CryptoError('The emailed code must not be empty');
  if (!normalizePassphrase(input.newPassphrase)) throw new CryptoError('New passphrase must not be empty');

  const credentials = await newAccountCredentials(input.newPassphrase, email, srpProfile);
  const body: RouteBody<RouteByKey<'POST /auth/reset'>> = {
    email,
    code,
    ...credentials,
    srpProfile,
  };
  await http.call('POST /auth/reset', { body });
  return { email, srpProfile };
}
