/**
 * Opening the account's key chain from a whoami (or /v1/keys) answer. Kept apart from the HTTP
 * calls so it can run on data already fetched: changePassphrase needs both the keys and the
 * exact encSymmetricKey string it unwrapped, from one and the same answer.
 */
import { unwrapAccountKeys, type AccountKeys } from '@somnus/crypto';

export interface WrappedKeys {
  email: string;
  saltEnc: string;
  publicKey: string;
  encPrivateKey: string;
  encSymmetricKey: string;
}

/** Throws @somnus/crypto's WrongPassphraseError when the passphrase does not open encSymmetricKey. */
export function unwrapKeys(wrapped: WrappedKeys, passphrase: string): Promise<AccountKeys> {
  return unwrapAccountKeys({
    passphrase,
    email: wrapped.email,
    saltEnc: wrapped.saltEnc,
    encSymmetricKey: wrapped.encSymmetricKey,
    encPrivateKey: wrapped.encPrivateKey,
    publicKey: wrapped.publicKey,
  });
}
