/** Ephemeral secrets: 32 random bytes like both reference libraries, never zero. */
import { randomBytes } from 'node:crypto';
import { bytesToBigint, pad } from './bytes';
import { SECRET_BYTES } from './params';

export function randomSecret(): bigint {
  for (;;) {
    // A zero exponent would make g^b = 1 (B = k·v reveals v); the retry is unreachable in practice.
    const secret = bytesToBigint(randomBytes(SECRET_BYTES));
    if (secret !== 0n) return secret;
  }
}

export function secretHex(secret: bigint): string {
  return pad(secret, SECRET_BYTES).toString('hex');
}
