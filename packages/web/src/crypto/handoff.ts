/**
 * The hand-off of a browser login to the Insomnia app (docs/protocol.md §4.2): the app opens
 * `/app/auth-app/?loginKey=<its X25519 public key>`, and the page gives back base64 of a sealed box
 * holding `{token, key}`, as a deep link or as a code to paste.
 */
import { base64ToBytes, bytesToBase64, utf8, type Bytes } from './encoding';
import { WebCryptoError } from './errors';
import { isWeakPublicKey, SEAL_PUBLIC_KEY_BYTES, sealBox } from './sealed-box';

const MAX_DECODES = 3;

/**
 * The app's public key from the `loginKey` query parameter, as the query parser returned it. The app
 * URI-encodes the base64 key before putting it in the query, so after normal parsing it is usually
 * still encoded once (`%2B`, `%2F`, `%3D`); links that went through other hands may be encoded once
 * or twice more, or have `+` turned into a space by form decoding. All of these decode to the key;
 * anything that is not 32 bytes of base64 afterwards is refused.
 */
export function decodeLoginKey(param: string): Bytes {
  // Only line breaks and tabs are trimmed here: a space at either end may be a '+' of the key.
  let text = String(param).replace(/^[\t\r\n]+|[\t\r\n]+$/g, '');
  // base64 has no '%', so any '%' is a layer of URI-encoding still to undo.
  for (let i = 0; i < MAX_DECODES && text.includes('%'); i++) {
    try {
      text = decodeURIComponent(text);
    } catch (cause) {
      throw new WebCryptoError('INVALID_LOGIN_KEY', 'The loginKey in the link is malformed; start the login from the Insomnia app again', { cause });
    }
  }
  // A '+' read as form-encoded becomes a space, and base64 has no spaces: turn them back, unless they
  // were padding around a pasted value.
  let lastError: unknown;
  for (const candidate of [text.replace(/ /g, '+'), text.trim().replace(/ /g, '+')]) {
    try {
      const key = base64ToBytes(candidate, 'loginKey');
      if (key.length === SEAL_PUBLIC_KEY_BYTES) {
        // a box sealed to a small-order key opens with any key: refuse before the person signs in
        if (isWeakPublicKey(key)) throw new WebCryptoError('INVALID_LOGIN_KEY', 'The loginKey in the link is not a usable public key; start the login from the Insomnia app again');
        return key;
      }
      lastError = new WebCryptoError('INVALID_LOGIN_KEY', `The loginKey in the link is ${key.length} bytes, not a ${SEAL_PUBLIC_KEY_BYTES}-byte public key`);
    } catch (cause) {
      lastError = cause;
    }
  }
  if (lastError instanceof WebCryptoError && lastError.code === 'INVALID_LOGIN_KEY') throw lastError;
  throw new WebCryptoError('INVALID_LOGIN_KEY', 'The loginKey in the link is not base64; start the login from the Insomnia app again', { cause: lastError });
}

/** The code the app accepts: base64(sealBox(UTF-8(JSON {token, key}), loginKey)). */
export function loginBoxCode(token: string, key: string, loginKey: Uint8Array): string {
  // Both are hex(32 bytes) (docs/protocol.md §3, §2); anything else would fail in the app, later and vaguely.
  if (!/^[0-9a-f]{64}$/.test(token) || !/^[0-9a-f]{64}$/.test(key)) {
    throw new WebCryptoError('MALFORMED_INPUT', 'token and key must be 64 lowercase hex characters');
  }
  return bytesToBase64(sealBox(utf8(JSON.stringify({ token, key })), loginKey));
}

export const APP_DEEP_LINK_PREFIX = 'insomnia://app/auth/finish?box=';

export function appDeepLink(code: string): string {
  return APP_DEEP_LINK_PREFIX + encodeURIComponent(code);
}
