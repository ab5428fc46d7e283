import { createAccountKeyMaterial } from '@somnus/crypto';
import { computeVerifier, type SrpProfile } from '@somnus/srp';
import { srpPassword } from '../srp-password';

/** The fields signup and account reset both send: fresh salts, the SRP verifier and the wrapped keys. */
export interface AccountCredentials {
  saltKey: string;
  saltAuth: string;
  saltEnc: string;
  verifier: string;
  publicKey: string;
  encPrivateKey: string;
  encSymmetricKey: string;
}

/** Makes new key material for a (normalised) email; the passphrase never leaves this process. */
export async function newAccountCredentials(passphrase: string, email: string, srpProfile: SrpProfile): Promise<AccountCredentials> {
  const material = await createAccountKeyMaterial(passphrase, email);
  return {
    saltKey: material.saltKey,
    saltAuth: material.saltAuth,
    saltEnc: material.saltEnc,
    verifier: computeVerifier(srpProfile, email, material.saltAuth, srpPassword(srpProfile, material.authSecretHex)),
    publicKey: material.publicKey,
    encPrivateKey: material.encPrivateKey,
    encSymmetricKey: material.encSymmetricKey,
  };
}
