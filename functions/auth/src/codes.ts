import { replaceAccountCode, type CodePurpose, type Queryable } from '@somnus/db';
import { ID_PREFIX } from '@somnus/models';
import { hashCode as hashPurposeCode, newCode, newId } from '@somnus/runtime';
import { CODE_TTL_MS } from './policy';

/** Account codes (passphrase change, reset): the shared generator, hashed under their own label. */
export function hashCode(secret: Buffer, code: string): Buffer {
  return hashPurposeCode(secret, 'account-code', code);
}

/** A fresh code for the account, replacing any open one of the same purpose; only its HMAC is stored. */
export async function issueAccountCode(
  tx: Queryable,
  secret: Buffer,
  now: Date,
  accountId: string,
  purpose: CodePurpose,
): Promise<string> {
  const code = newCode();
  await replaceAccountCode(tx, {
    id: newId(ID_PREFIX.code),
    accountId,
    purpose,
    codeHash: hashCode(secret, code),
    expiresAt: new Date(now.getTime() + CODE_TTL_MS),
  });
  return code;
}
