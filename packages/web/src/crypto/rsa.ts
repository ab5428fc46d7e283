/**
 * RSA-OAEP-256 wrap of a project key (docs/protocol.md §2): SHA-256 for OAEP and MGF1, over
 * encodeURIComponent(JSON), lowercase hex, 512 characters for a 2048-bit key. Byte-compatible with
 * @somnus/crypto's encryptRSAWithJWK / decryptRSAWithJWK.
 */
import { base64UrlToBytes, bytesToHex, fromUtf8, hexToBytes, utf8 } from './encoding';
import { WebCryptoError } from './errors';
import { importRsaPrivateKey, importRsaPublicKey, parseRsaPublicJwk, type RsaPrivateJwk, type RsaPublicJwk } from './jwk';
import { subtle } from './subtle';

/** 256 − 2·32 − 2: the most RSA-OAEP-SHA256 carries with a 2048-bit key, and exactly a compact AES JWK. */
export const RSA_OAEP_MAX_PLAINTEXT_BYTES = 190;
const OAEP_HASH_BYTES = 32;

export async function encryptRSAWithJWK(publicJwk: RsaPublicJwk, plaintext: string): Promise<string> {
  const data = utf8(encodeURIComponent(plaintext));
  const n = base64UrlToBytes(parseRsaPublicJwk(publicJwk).n, 'RSA modulus');
  const modulusBytes = n.length - Math.max(0, n.findIndex((b) => b !== 0));
  const max = modulusBytes - 2 * OAEP_HASH_BYTES - 2;
  if (data.length > max) {
    // Checked here because WebCrypto's own refusal is an opaque OperationError.
    throw new WebCryptoError(
      'PLAINTEXT_TOO_LONG',
      `RSA-OAEP plaintext is ${data.length} bytes after URI-encoding; at most ${max} fit this key (${RSA_OAEP_MAX_PLAINTEXT_BYTES} for 2048-bit)`,
    );
  }
  const out = await subtle().encrypt({ name: 'RSA-OAEP' }, await importRsaPublicKey(publicJwk), data);
  return bytesToHex(new Uint8Array(out));
}

export async function decryptRSAWithJWK(privateJwk: RsaPrivateJwk, cipherHex: string): Promise<string> {
  const key = await importRsaPrivateKey(privateJwk);
  let plain: ArrayBuffer;
  try {
    plain = await subtle().decrypt({ name: 'RSA-OAEP' }, key, hexToBytes(cipherHex, 'RSA ciphertext'));
  } catch (cause) {
    throw new WebCryptoError('DECRYPTION_FAILED', 'RSA-OAEP decryption failed: wrong private key, or the ciphertext was altered', { cause });
  }
  try {
    return decodeURIComponent(fromUtf8(new Uint8Array(plain)));
  } catch (cause) {
    throw new WebCryptoError('MALFORMED_INPUT', 'RSA plaintext is not URI-encoded text', { cause });
  }
}
