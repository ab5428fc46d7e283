/**
 * Passphrase change, L22 variant (docs/protocol.md §4.3): same salts, same key pair, same account key;
 * only the verifier and the wrapping of the account key change. The current passphrase is checked
 * locally first (it must open the stored account key) so a typo never reaches the server, and the
 * code is not spent on a change that would have locked the user out.
 */
import { deriveKey, normalizePassphrase, rewrapAccountKey, CryptoError } from '@somnus/crypto';
import type { RouteBody, RouteByKey } from '@somnus/models';
import { computeVerifier, type SrpProfile } from '@somnus/srp';
import type { HttpClient } from '../http';
import { srpPassword } from '../srp-password';
import { unwrapKeys } from './unwrap-keys';

export interface ChangePassphraseInput {
  currentPassphrase: string;
  newPassphrase: string;
  /** The code from the email sent by POST /auth/send-password-code. */
  code: string;
  /**
   * The account's SRP profile. A verifier made with the wrong one would lock the account out,
   * so the caller has to know it (from signup or login); it is not guessed.
   */
  srpProfile: SrpProfile;
}

export async function changePassphrase(http: HttpClient, sessionId: string, input: ChangePassphraseInput): Promise<void> {
  const newPassphrase = normalizePassphrase(input.newPassphrase);
  if (!newPassphrase) throw new CryptoError('New passphrase must not be empty');
  const code = input.code.trim();
  if (!code) throw new CryptoError('The emailed code must not be empty');

  const who = await http.call('GET /auth/whoami', { sessionId });
  // WrongPassphraseError here: nothing has been sent that changes state.
  const { symmetricKey } = await unwrapKeys(who, input.currentPassphrase);

  // The SRP salts are not in whoami; login-s has them (L22 does the same).
  const salts = await http.call('POST /auth/login-s', { body: { email: who.email } });
  const authSecretHex = await deriveKey(newPassphrase, who.email, salts.saltKey);
  const newVerifier = computeVerifier(input.srpProfile, who.email, salts.saltAuth, srpPassword(input.srpProfile, authSecretHex));
  const newEncSymmetricKey = await rewrapAccountKey(symmetricKey, newPassphrase, who.email, who.saltEnc);

  const body: RouteBody<RouteByKey<'POST /auth/change-password'>> = {
    code,
    newEmail: who.email,
    // the string we unwrapped: the server refuses the change if the stored key moved on meanwhile
    encSymmetricKey: who.encSymmetricKey,
    newVerifier,
    newEncSymmetricKey,
  };
  await http.call('POST /auth/change-password', { body, sessionId });
}
