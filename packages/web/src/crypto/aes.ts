/**
 * AESMessage in WebCrypto (docs/protocol.md §2): AES-256-GCM, random 12-byte IV, 16-byte tag, written
 * as `{iv, t, d, ad}` in lowercase hex. String plaintexts are encodeURIComponent'ed before encryption
 * and decodeURIComponent'ed after, as every Insomnia client does; byte-compatible with @somnus/crypto.
 */
import { bytesToHex, concatBytes, fromUtf8, hexToBytes, isHex, utf8, type Bytes } from './encoding';
import { WebCryptoError } from './errors';
import { aesKeyBytes, type AesJwk } from './jwk';
import { randomBytes } from './random';
import { subtle } from './subtle';

export interface AESMessage {
  iv: string;
  t: string;
  d: string;
  ad: string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
/**
 * The tag length is read from the message (t.length * 4 bits, as Insomnia does), so whoever stores a
 * blob could shorten it to make forgeries cheap; like @somnus/crypto we accept 96 to 128 bits only.
 */
const MIN_TAG_BYTES = 12;
const RAW_KEY = /^[0-9a-fA-F]{64}$/;

/** A key as this library takes it: 64 hex (a deriveKey result) or an AES JWK (account or project key). */
export type AesKey = string | AesJwk;

function rawKey(key: AesKey): Bytes {
  if (typeof key === 'string') {
    if (!RAW_KEY.test(key)) throw new WebCryptoError('INVALID_KEY', 'AES key string must be 64 hex characters (32 bytes)');
    return hexToBytes(key);
  }
  return aesKeyBytes(key);
}

function importAesKey(key: AesKey, use: 'encrypt' | 'decrypt') {
  return subtle().importKey('raw', rawKey(key), 'AES-GCM', false, [use]);
}

/** Checks an AESMessage (object or its JSON string) and returns the four members. */
export function parseAESMessage(value: unknown): AESMessage {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v) as unknown;
    } catch (cause) {
      throw new WebCryptoError('MALFORMED_INPUT', 'AESMessage is not valid JSON', { cause });
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new WebCryptoError('MALFORMED_INPUT', 'AESMessage must be a JSON object');
  const { iv, t, d, ad } = v as Record<string, unknown>;
  if (!isHex(iv) || iv.length === 0) throw new WebCryptoError('MALFORMED_INPUT', 'AESMessage.iv must be non-empty hex');
  if (!isHex(t) || t.length / 2 < MIN_TAG_BYTES || t.length / 2 > TAG_BYTES) {
    throw new WebCryptoError('MALFORMED_INPUT', 'AESMessage.t must be a hex GCM tag of 96 to 128 bits');
  }
  if (!isHex(d)) throw new WebCryptoError('MALFORMED_INPUT', 'AESMessage.d must be hex');
  if (!isHex(ad)) throw new WebCryptoError('MALFORMED_INPUT', 'AESMessage.ad must be hex');
  return { iv, t, d, ad };
}

/** Encrypts bytes as they are (the binary form, for sync blobs, docs/protocol.md §5). */
export async function encryptAESBytes(key: AesKey, plaintext: Uint8Array, additionalData: Uint8Array = new Uint8Array(0)): Promise<AESMessage> {
  const iv = randomBytes(IV_BYTES);
  const ad = concatBytes(additionalData);
  const sealed = new Uint8Array(
    await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: ad, tagLength: TAG_BYTES * 8 }, await importAesKey(key, 'encrypt'), concatBytes(plaintext)),
  );
  // WebCrypto appends the tag to the ciphertext; the wire format keeps them apart.
  const cut = sealed.length - TAG_BYTES;
  return { iv: bytesToHex(iv), t: bytesToHex(sealed.subarray(cut)), d: bytesToHex(sealed.subarray(0, cut)), ad: bytesToHex(ad) };
}

export async function decryptAESBytes(key: AesKey, message: AESMessage | string): Promise<Bytes> {
  const m = parseAESMessage(message);
  const tag = hexToBytes(m.t, 'AESMessage.t');
  const k = await importAesKey(key, 'decrypt');
  try {
    const plain = await subtle().decrypt(
      { name: 'AES-GCM', iv: hexToBytes(m.iv, 'AESMessage.iv'), additionalData: hexToBytes(m.ad, 'AESMessage.ad'), tagLength: tag.length * 8 },
      k,
      concatBytes(hexToBytes(m.d, 'AESMessage.d'), tag),
    );
    return new Uint8Array(plain);
  } catch (cause) {
    throw new WebCryptoError('DECRYPTION_FAILED', 'AES-GCM authentication failed: wrong key, or the message was altered', { cause });
  }
}

/**
 * Encrypts a string the way Insomnia does: encodeURIComponent first (docs/protocol.md §2).
 * `additionalData` is bound as AAD through its UTF-8 bytes (in practice always "").
 */
export function encryptAES(key: AesKey, plaintext: string, additionalData = ''): Promise<AESMessage> {
  return encryptAESBytes(key, utf8(encodeURIComponent(plaintext)), utf8(additionalData));
}

/** Inverse of encryptAES; takes the message as an object or as the JSON string the server stores. */
export async function decryptAES(key: AesKey, message: AESMessage | string): Promise<string> {
  const plain = await decryptAESBytes(key, message);
  try {
    return decodeURIComponent(fromUtf8(plain));
  } catch (cause) {
    throw new WebCryptoError('MALFORMED_INPUT', 'Decrypted AESMessage is not URI-encoded text', { cause });
  }
}
