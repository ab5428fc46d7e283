/**
 * RSA-OAEP wrapping of project (resource-group) keys for each member (docs/protocol.md §2).
 * SHA-256 for both the OAEP hash and MGF1, which is what forge's `md: sha256` and WebCrypto's
 * RSA-OAEP-256 do; Node's oaepHash sets both.
 */
import { constants, privateDecrypt, publicEncrypt } from 'node:crypto';
import { hexToBuffer } from './encoding';
import { DecryptionError, MalformedInputError, PlaintextTooLongError } from './errors';
import { parseRsaPrivateJwk, parseRsaPublicJwk, rsaModulusBits, rsaPrivateKeyObject, rsaPublicKeyObject, type RsaPrivateJwk, type RsaPublicJwk } from './jwk';

const OAEP_HASH_BYTES = 32;

/**
 * 256 - 2*32 - 2 for a 2048-bit key. encodeURIComponent(JSON.stringify(aesJwk)) of a five-member
 * AES-256 JWK is exactly this long, so the protocol has zero slack.
 */
export const RSA_OAEP_MAX_PLAINTEXT_BYTES = 190 as const;

function modulusBytes(n: string): number {
  return Math.ceil(rsaModulusBits(n) / 8);
}

/**
 * Encrypts encodeURIComponent(plaintext) to the member's public JWK and returns the ciphertext as
 * lowercase hex (512 chars for 2048-bit keys). Refuses keys that fail Insomnia's checks.
 */
export function encryptRSAWithJWK(publicJwk: RsaPublicJwk, plaintext: string): string {
  const jwk = parseRsaPublicJwk(publicJwk);
  const data = Buffer.from(encodeURIComponent(plaintext), 'utf8');
  const max = modulusBytes(jwk.n) - 2 * OAEP_HASH_BYTES - 2;
  if (data.length > max) {
    throw new PlaintextTooLongError(
      `RSA-OAEP plaintext is ${data.length} bytes after URI-encoding; at most ${max} fit this key ` +
        `(${RSA_OAEP_MAX_PLAINTEXT_BYTES} for 2048-bit). Wrap only a compact five-member AES JWK.`,
    );
  }
  const out = publicEncrypt({ key: rsaPublicKeyObject(jwk), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, data);
  return out.toString('hex');
}

/** Decrypts a hex RSA-OAEP ciphertext with the account's private JWK and URI-decodes the result. */
export function decryptRSAWithJWK(privateJwk: RsaPrivateJwk, cipherHex: string): string {
  const jwk = parseRsaPrivateJwk(privateJwk);
  const data = hexToBuffer(cipherHex, 'RSA ciphertext');
  if (data.length !== modulusBytes(jwk.n)) {
    throw new MalformedInputError(`RSA ciphertext must be ${modulusBytes(jwk.n)} bytes, got ${data.length}`);
  }
  let plain: Buffer;
  try {
    plain = privateDecrypt({ key: rsaPrivateKeyObject(jwk), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, data);
  } catch (cause) {
    throw new DecryptionError('RSA-OAEP decryption failed: wrong private key, or the ciphertext was altered', { cause });
  }
  try {
    return decodeURIComponent(plain.toString('utf8'));
  } catch (cause) {
    throw new MalformedInputError('RSA plaintext is not URI-encoded text', { cause });
  }
}
