/**
 * The SRP password P is SEC_PWD_Auth = deriveKey(pass, email, saltKey), but each SRP dialect takes it
 * in a different type (packages/srp refuses the wrong one rather than computing another verifier):
 * - insomnia: the 32 raw bytes (srp-js hashes P as a Buffer; docs/protocol.md §3);
 * - rfc2945: secure-remote-password builds the string `${I}:${p}`, so P is the hex string itself.
 * Both signup (verifier) and login (x) must go through here, or the two would disagree.
 */
import type { SrpProfile } from '@somnus/srp';

export function srpPassword(profile: SrpProfile, authSecretHex: string): Buffer | string {
  return profile === 'insomnia' ? Buffer.from(authSecretHex, 'hex') : authSecretHex;
}
