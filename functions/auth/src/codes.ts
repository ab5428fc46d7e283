import { hashCode as hashPurposeCode } from '@somnus/runtime';

/** Account codes (passphrase change, reset): the shared generator, hashed under their own label. */
export { newCode } from '@somnus/runtime';

export function hashCode(secret: Buffer, code: string): Buffer {
  return hashPurposeCode(secret, 'account-code', code);
}
