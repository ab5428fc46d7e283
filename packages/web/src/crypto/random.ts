/** Randomness from the browser's CSPRNG (crypto.getRandomValues), the only source this library uses. */
import type { Bytes } from './encoding';
import { webCrypto } from './subtle';

export function randomBytes(length: number): Bytes {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65536 bytes per call; every use here is far below that.
  webCrypto().getRandomValues(out);
  return out;
}
