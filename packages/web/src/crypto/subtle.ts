/**
 * Access to WebCrypto. Browsers expose `crypto.subtle` only in secure contexts (https, or
 * http://localhost / 127.0.0.1), so a page served over plain http elsewhere gets a clear error
 * instead of "cannot read properties of undefined".
 */
import { WebCryptoError } from './errors';

export type WebCrypto = typeof globalThis.crypto;
export type Subtle = WebCrypto['subtle'];
/** A WebCrypto key; spelled this way so the code type-checks with and without the DOM library. */
export type SubtleKey = Awaited<ReturnType<Subtle['importKey']>>;

export function webCrypto(): WebCrypto {
  const c = (globalThis as { crypto?: WebCrypto }).crypto;
  if (!c || typeof c.getRandomValues !== 'function') {
    throw new WebCryptoError('NO_WEBCRYPTO', 'This browser has no WebCrypto (crypto.getRandomValues); it cannot run the account crypto');
  }
  return c;
}

export function subtle(): Subtle {
  const s = webCrypto().subtle;
  if (!s) {
    throw new WebCryptoError('NO_WEBCRYPTO', 'WebCrypto (crypto.subtle) is unavailable: the page must be served over https or from localhost');
  }
  return s;
}
