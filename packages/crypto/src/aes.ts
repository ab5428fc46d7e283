/**
 * AES-256-GCM "AESMessage" blobs (docs/protocol.md §2 and §5). Used for encSymmetricKey,
 * encPrivateKey and every sync blob, so the JSON shape {iv, t, d, ad} (lowercase hex) is wire
 * format shared with every Insomnia client.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { hexToBuffer, isHex } from './encoding';
import { CryptoError, DecryptionError, InvalidKeyError, MalformedInputError } from './errors';
import { aesKeyBytesFromJwk, type AesJwk } from './jwk';

export interface AESMessage {
  iv: string;
  t: string;
  d: string;
  ad: string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
/**
 * Insomnia's decrypter trusts t.length*4 as the tag length, so it would accept a tag truncated to
 * 32 bits, letting whoever stores the blob (the server) attempt forgeries cheaply. Every client
 * writes 128-bit tags; we accept down to 96 bits (the SP 800-38D floor) and refuse anything shorter.
 */
const ALLOWED_TAG_BYTES = new Set([12, 13, 14, 15, 16]);
const RAW_KEY = /^[0-9a-fA-F]{64}$/;

function keyBytes(key: string | AesJwk): Buffer {
  if (typeof key === 'string') {
    if (!RAW_KEY.test(key)) throw new InvalidKeyError('AES key string must be 64 hex characters (32 bytes)');
    return Buffer.from(key, 'hex');
  }
  return aesKeyBytesFromJwk(key);
}

/**
 * Validates something that should be an AESMessage (typically fresh out of JSON.parse) and returns
 * a clean copy with just the four members. Extra members are tolerated because member order and
 * set have varied between client versions; missing or non-hex ones are not.
 */
export function parseAESMessage(value: unknown): AESMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedInputError('AESMessage must be a JSON object');
  }
  const m = value as Record<string, unknown>;
  const iv = m['iv'];
  const t = m['t'];
  const d = m['d'];
  const ad = m['ad'];
  if (!isHex(iv) || iv.length === 0) throw new MalformedInputError('AESMessage.iv must be non-empty hex');
  if (!isHex(t) || !ALLOWED_TAG_BYTES.has(t.length / 2)) {
    throw new MalformedInputError('AESMessage.t must be a hex GCM tag of 96 to 128 bits');
  }
  if (!isHex(d)) throw new MalformedInputError('AESMessage.d must be hex');
  if (!isHex(ad)) throw new MalformedInputError('AESMessage.ad must be hex (use "" for none)');
  return { iv, t, d, ad };
}

/** Shape check for stored encSymmetricKey / encPrivateKey / blob content strings. */
export function isAESMessageJson(s: string): boolean {
  try {
    parseAESMessage(JSON.parse(s));
    return true;
  } catch {
    return false;
  }
}

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): AESMessage {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const d = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('hex'), t: cipher.getAuthTag().toString('hex'), d: d.toString('hex'), ad: aad.toString('hex') };
}

function open(key: Buffer, message: AESMessage): Buffer {
  const m = parseAESMessage(message);
  const tag = hexToBuffer(m.t, 'AESMessage.t');
  // The tag length comes from the message, as in Insomnia's decrypter (t.length * 4 bits).
  const decipher = createDecipheriv('aes-256-gcm', key, hexToBuffer(m.iv, 'AESMessage.iv'), { authTagLength: tag.length });
  decipher.setAuthTag(tag);
  decipher.setAAD(hexToBuffer(m.ad, 'AESMessage.ad'));
  const head = decipher.update(hexToBuffer(m.d, 'AESMessage.d'));
  try {
    // final() is where GCM verifies the tag; nothing decrypted is released before it passes.
    return Buffer.concat([head, decipher.final()]);
  } catch (cause) {
    throw new DecryptionError('AES-GCM authentication failed: wrong key, or the message was altered', { cause });
  }
}

/**
 * Encrypts a string the way Insomnia does: the plaintext is encodeURIComponent'ed first (a quirk
 * from the forge days, kept for compatibility). `additionalData` is bound as AAD and stored hex in
 * `ad`; we take its UTF-8 bytes, which equals forge's binary-string reading for ASCII (and Insomnia
 * only ever uses "").
 */
export function encryptAES(key: string | AesJwk, plaintext: string, additionalData = ''): AESMessage {
  return seal(keyBytes(key), Buffer.from(encodeURIComponent(plaintext), 'utf8'), Buffer.from(additionalData, 'utf8'));
}

/** Inverse of encryptAES: decrypts, then decodeURIComponent. */
export function decryptAES(key: string | AesJwk, message: AESMessage): string {
  const plain = open(keyBytes(key), message).toString('utf8');
  try {
    return decodeURIComponent(plain);
  } catch (cause) {
    // Authentic but not URI-encoded: it was made by encryptAESBuffer, use decryptAESToBuffer.
    throw new CryptoError('Decrypted AESMessage is not URI-encoded text', { cause });
  }
}

/** Binary variant for sync blobs (gzip output): no URI-encoding, no AAD. */
export function encryptAESBuffer(key: string | AesJwk, plaintext: Buffer): AESMessage {
  return seal(keyBytes(key), plaintext, Buffer.alloc(0));
}

export function decryptAESToBuffer(key: string | AesJwk, message: AESMessage): Buffer {
  return open(keyBytes(key), message);
}
